using System.Diagnostics;
using System.IO.Compression;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Datasets.Import;
using VisionFactory.Factory;
using VisionFactory.Factory.Runs;
using VisionFactory.Imaging.Caching;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Imaging.Thumbnails;
using VisionFactory.Storage;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Bench;

/// <summary>
/// Import throughput (images/s) of the masks corpus from a folder and from a zip, beside the raw cost of reading and
/// decoding the same JPEGs (to the same 224-pixel square, with the same parallelism) measured in the same run.
/// </summary>
internal static class ImportBench
{
    private const int Rounds = 3;

    public static async Task RunAsync(string masks)
    {
        Console.WriteLine();
        Console.WriteLine($"## Import: {masks}, {Environment.ProcessorCount} cores, one warm-up round, then {Rounds} alternating rounds, mean");
        var files = Directory.EnumerateFiles(masks, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).ToList();
        var root = Path.Combine(Path.GetTempPath(), "vf-bench-import-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            var zip = Path.Combine(root, "masks.zip");
            ZipFile.CreateFromDirectory(masks, zip, CompressionLevel.NoCompression, includeBaseDirectory: false);
            var decode = new List<Measure>();
            var folder = new List<Measure>();
            var fromZip = new List<Measure>();
            var withThumbnails = new List<Measure>();
            // One unmeasured round first: the first import of a process compiles its code (and EF Core's model), a cost
            // a running server pays once, not per import.
            Decode(files);
            await ImportAsync(root, masks, files.Count, thumbnails: true);
            for (var round = 1; round <= Rounds; round++)
            {
                decode.Add(Decode(files));
                folder.Add(await ImportAsync(root, masks, files.Count, thumbnails: false));
                fromZip.Add(await ImportAsync(root, zip, files.Count, thumbnails: false));
                withThumbnails.Add(await ImportAsync(root, masks, files.Count, thumbnails: true));
                Console.WriteLine($"  round {round}: decode {decode[^1]}; import folder {folder[^1]}, zip {fromZip[^1]}, folder with thumbnails {withThumbnails[^1]}");
            }

            var reference = Mean(decode);
            Console.WriteLine($"  read + decode only (reference): {reference} for {files.Count} files");
            Report("import from folder", Mean(folder), reference);
            Report("import from zip", Mean(fromZip), reference);
            Report("import from folder, thumbnails made", Mean(withThumbnails), reference);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    // Wall-clock throughput, and the process's CPU time per image (which a busy shared machine disturbs less).
    private readonly record struct Measure(double ImagesPerSecond, double CpuMsPerImage)
    {
        public override string ToString() => $"{ImagesPerSecond:0.0} img/s ({CpuMsPerImage:0.00} CPU ms/img)";
    }

    private sealed class Clock
    {
        private readonly Stopwatch wall = Stopwatch.StartNew();
        private readonly TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;

        public Measure Stop(int count) => new(
            count / wall.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / count);
    }

    private static void Report(string what, Measure ours, Measure reference) =>
        Console.WriteLine($"  {what}: {ours} = {100 * ours.ImagesPerSecond / reference.ImagesPerSecond:0}% of decode by wall clock, " +
            $"{100 * reference.CpuMsPerImage / ours.CpuMsPerImage:0}% by CPU time (target >= 80%)");

    private static Measure Decode(List<string> files)
    {
        var clock = new Clock();
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, file =>
        {
            try
            {
                ImageDecoder.DecodeSquare(File.ReadAllBytes(file), DatasetImporter.WarmCacheSize, ImageLimits.Default);
            }
            catch (ImageRejectedException)
            {
                // Counted like the import counts a skipped file: read and tried.
            }
        });
        return clock.Stop(files.Count);
    }

    private static async Task<Measure> ImportAsync(string root, string source, int count, bool thumbnails)
    {
        // Each import gets a data directory of its own, removed only when the benchmark ends: deleting thousands of
        // files just before the next import makes ext4 (without a journal, as here) skip the recently freed inodes one
        // by one when that import creates its files, a cost no user importing into their store pays.
        var data = new DataDirectory(Path.Combine(root, "data-" + Guid.NewGuid().ToString("N")[..8]));
        await using var services = new ServiceCollection().AddVisionFactory(data, new FactoryOptions()).BuildServiceProvider();
        await services.MigrateDatabaseAsync(CancellationToken.None);
        await using var scope = services.CreateAsyncScope();
        var importer = new DatasetImporter(
            scope.ServiceProvider.GetRequiredService<VisionFactoryDb>(),
            scope.ServiceProvider.GetRequiredService<BlobStore>(),
            scope.ServiceProvider.GetRequiredService<PixelCache>(),
            thumbnails ? new ThumbnailCache(Path.Combine(data.CachePath, "thumbnails")) : null);
        var clock = new Clock();
        await importer.ImportAsync("masks", source, ImportOptions.Default, null, CancellationToken.None);
        var measure = clock.Stop(count);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return measure;
    }

    private static Measure Mean(List<Measure> values) =>
        new(values.Average(v => v.ImagesPerSecond), values.Average(v => v.CpuMsPerImage));
}
