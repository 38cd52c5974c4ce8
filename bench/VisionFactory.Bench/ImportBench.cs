using System.Diagnostics;
using System.IO.Compression;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Datasets.Import;
using VisionFactory.Factory;
using VisionFactory.Factory.Runs;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Storage;
using VisionFactory.Storage.Blobs;

namespace VisionFactory.Bench;

/// <summary>
/// Import throughput (images/s) of the masks corpus from a folder and from a zip, beside the raw cost of reading and
/// decoding the same JPEGs (to the same 224-pixel square, with the same parallelism) measured in the same run.
/// </summary>
internal static class ImportBench
{
    private const int WarmUpRounds = 2;
    private const int Rounds = 5;

    public static async Task RunAsync(string masks)
    {
        Console.WriteLine();
        Console.WriteLine($"## Import: {masks}, {Environment.ProcessorCount} cores, {WarmUpRounds} warm-up rounds, then {Rounds} alternating rounds, median");
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
            // Unmeasured rounds first: the first imports of each kind in a process compile their code (and EF Core's
            // model), and .NET recompiles the hot methods optimised over the first thousands of calls, on a thread of its
            // own; a running server pays that once, not per import. The very first import is shown apart.
            for (var round = 0; round < WarmUpRounds; round++)
            {
                var warm = (Decode: Decode(files), Folder: await ImportAsync(root, masks, files.Count), Zip: await ImportAsync(root, zip, files.Count));
                Console.WriteLine($"  warm-up {round + 1}: decode {warm.Decode}; import folder {warm.Folder}, zip {warm.Zip}" +
                    (round == 0 ? " (the first of a fresh process, as one 'vf dataset import' runs)" : ""));
            }

            for (var round = 1; round <= Rounds; round++)
            {
                decode.Add(Decode(files));
                folder.Add(await ImportAsync(root, masks, files.Count));
                fromZip.Add(await ImportAsync(root, zip, files.Count));
                Console.WriteLine($"  round {round}: decode {decode[^1]}; import folder {folder[^1]}, zip {fromZip[^1]}");
            }

            var reference = Median(decode);
            var distinct = files.Select(f => BlobStore.Sha256Of(File.ReadAllBytes(f))).Distinct(StringComparer.Ordinal).Count();
            Console.WriteLine($"  read + decode only (reference): {reference} for {files.Count} files, every file decoded");
            Console.WriteLine($"  the import decodes each of the {distinct} distinct files once: {files.Count - distinct} are byte-identical copies, stored once and reported");
            Report("import from folder", Median(folder), reference);
            Report("import from zip", Median(fromZip), reference);
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

    private static async Task<Measure> ImportAsync(string root, string source, int count)
    {
        // Each import gets a data directory of its own, removed only when the benchmark ends: deleting thousands of
        // files just before the next import makes ext4 (without a journal, as here) skip the recently freed inodes one
        // by one when that import creates its files, a cost no user importing into their store pays.
        var data = new DataDirectory(Path.Combine(root, "data-" + Guid.NewGuid().ToString("N")[..8]));
        await using var services = new ServiceCollection().AddVisionFactory(data, new FactoryOptions()).BuildServiceProvider();
        await services.MigrateDatabaseAsync(CancellationToken.None);
        await using var scope = services.CreateAsyncScope();
        // The product's importer, as the CLI and the web host resolve it (thumbnails are made when first shown).
        var importer = scope.ServiceProvider.GetRequiredService<DatasetImporter>();
        var clock = new Clock();
        await importer.ImportAsync("masks", source, ImportOptions.Default, null, CancellationToken.None);
        var measure = clock.Stop(count);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return measure;
    }

    private static Measure Median(List<Measure> values) =>
        new(values.Select(v => v.ImagesPerSecond).Order().ElementAt(values.Count / 2), values.Select(v => v.CpuMsPerImage).Order().ElementAt(values.Count / 2));
}
