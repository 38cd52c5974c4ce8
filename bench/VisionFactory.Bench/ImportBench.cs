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
    private const int Rounds = 2;

    public static async Task RunAsync(string masks)
    {
        Console.WriteLine();
        Console.WriteLine($"## Import: {masks}, {Environment.ProcessorCount} cores, {Rounds} alternating rounds, mean");
        var files = Directory.EnumerateFiles(masks, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).ToList();
        var root = Path.Combine(Path.GetTempPath(), "vf-bench-import-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            var zip = Path.Combine(root, "masks.zip");
            ZipFile.CreateFromDirectory(masks, zip, CompressionLevel.NoCompression, includeBaseDirectory: false);
            var decode = new List<double>();
            var folder = new List<double>();
            var fromZip = new List<double>();
            var withThumbnails = new List<double>();
            for (var round = 1; round <= Rounds; round++)
            {
                decode.Add(Decode(files));
                folder.Add(await ImportAsync(root, masks, files.Count, thumbnails: false));
                fromZip.Add(await ImportAsync(root, zip, files.Count, thumbnails: false));
                withThumbnails.Add(await ImportAsync(root, masks, files.Count, thumbnails: true));
                Console.WriteLine($"  round {round}: decode {decode[^1]:0.0} img/s; import folder {folder[^1]:0.0}, zip {fromZip[^1]:0.0}, folder with thumbnails {withThumbnails[^1]:0.0} img/s");
            }

            var reference = Median(decode);
            Console.WriteLine($"  read + decode only (reference): {reference:0.0} img/s for {files.Count} files");
            Report("import from folder", Median(folder), reference);
            Report("import from zip", Median(fromZip), reference);
            Report("import from folder, thumbnails made", Median(withThumbnails), reference);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Report(string what, double ours, double reference) =>
        Console.WriteLine($"  {what}: {ours:0.0} img/s = {100 * ours / reference:0}% of decode (target >= 80%)");

    private static double Decode(List<string> files)
    {
        var clock = Stopwatch.StartNew();
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
        return files.Count / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> ImportAsync(string root, string source, int count, bool thumbnails)
    {
        var data = new DataDirectory(Path.Combine(root, "data-" + Guid.NewGuid().ToString("N")[..8]));
        try
        {
            await using var services = new ServiceCollection().AddVisionFactory(data, new FactoryOptions()).BuildServiceProvider();
            await services.MigrateDatabaseAsync(CancellationToken.None);
            await using var scope = services.CreateAsyncScope();
            var importer = new DatasetImporter(
                scope.ServiceProvider.GetRequiredService<VisionFactoryDb>(),
                scope.ServiceProvider.GetRequiredService<BlobStore>(),
                scope.ServiceProvider.GetRequiredService<PixelCache>(),
                thumbnails ? new ThumbnailCache(Path.Combine(data.CachePath, "thumbnails")) : null);
            var clock = Stopwatch.StartNew();
            await importer.ImportAsync("masks", source, ImportOptions.Default, null, CancellationToken.None);
            return count / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data.Root, recursive: true);
        }
    }

    private static double Median(List<double> values) => values.Average();
}
