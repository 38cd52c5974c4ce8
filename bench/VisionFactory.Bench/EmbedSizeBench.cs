using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Review;
using VisionFactory.Factory;
using VisionFactory.Imaging.Caching;
using VisionFactory.Imaging.Quality;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Review;
using VisionFactory.Storage;

namespace VisionFactory.Bench;

/// <summary>
/// <c>review-embed-size</c>: the review's embedding cost and near-duplicate recall at reduced input sides, against the
/// pairs 224-pixel embeddings find on the masks corpus (cosine of centred embeddings, exact, at the review threshold).
/// </summary>
internal static class EmbedSizeBench
{
    private static readonly int[] Sizes = [224, 128, 112, 96];
    private static readonly double[] Thresholds = [0.95, 0.94, 0.93, 0.92];

    public static async Task RunAsync(string masks)
    {
        Console.WriteLine();
        Console.WriteLine($"## Review embeddings by input side (ResNet-18 from the 224 px pixel cache, {Environment.ProcessorCount} cores), masks corpus");
        var root = Path.Combine(Path.GetTempPath(), "vf-bench-embed-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using var services = new ServiceCollection().AddVisionFactory(new DataDirectory(root)).BuildServiceProvider();
            await services.MigrateDatabaseAsync(CancellationToken.None);
            await using var scope = services.CreateAsyncScope();
            var version = await scope.ServiceProvider.GetRequiredService<DatasetImporter>().ImportAsync("masks", masks, ImportOptions.Default, null, CancellationToken.None);
            var shas = version.Items.Select(i => i.Sha256).ToList();
            var cache = scope.ServiceProvider.GetRequiredService<PixelCache>();
            var hashes = shas.Select(s => cache.TryRead(s, 224, out var rgb) ? PerceptualHash.Of(rgb, 224) : 0).ToList();
            var catalog = scope.ServiceProvider.GetRequiredService<ArchitectureCatalog>();
            HashSet<(int, int)>? reference = null;
            foreach (var size in Sizes)
            {
                var embedder = new ImageEmbedder(catalog, scope.ServiceProvider.GetRequiredService<PixelSource>()) { Size = size };
                var clock = Stopwatch.StartNew();
                var vectors = embedder.Embed(shas, null, CancellationToken.None);
                var perImage = clock.Elapsed.TotalMilliseconds / shas.Count;
                var cosines = Cosines(vectors);
                reference ??= Above(cosines, Thresholds[0]);
                var hashMissed = reference.Where(p => PerceptualHash.Distance(hashes[p.Item1], hashes[p.Item2]) > NearDuplicateSplit.HashRadius).ToHashSet();
                Console.WriteLine($"  {size} px: {perImage:0.0} ms/img ({shas.Count / clock.Elapsed.TotalSeconds:0.0} img/s, 100 000 images in {perImage * 100 / 60:0.0} min)");
                foreach (var threshold in Thresholds)
                {
                    var found = Above(cosines, threshold);
                    Console.WriteLine($"    cosine >= {threshold:0.00}: {found.Count} pairs; recall of the {reference.Count} pairs at 224 px / 0.95: " +
                        $"{found.Count(reference.Contains) / (double)reference.Count:P1}, of the {hashMissed.Count} the hash misses: " +
                        $"{found.Count(hashMissed.Contains) / (double)Math.Max(1, hashMissed.Count):P1}; pairs not found at 224 px: {found.Count(p => !reference.Contains(p))}");
                }
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    // Cosine similarity of every pair of mean-centred embeddings, as the review's index measures it.
    private static List<(int A, int B, double Cosine)> Cosines(float[][] vectors)
    {
        var unit = CosineIndex.Normalise(vectors);
        var all = new List<(int, int, double)>();
        for (var a = 0; a < unit.Length; a++)
        {
            for (var b = a + 1; b < unit.Length; b++)
            {
                var cosine = TensorPrimitives.Dot(unit[a], unit[b]);
                if (cosine >= 0.85)
                {
                    all.Add((a, b, cosine));
                }
            }
        }

        return all;
    }

    private static HashSet<(int, int)> Above(List<(int A, int B, double Cosine)> cosines, double threshold) =>
        cosines.Where(c => c.Cosine >= threshold).Select(c => (c.A, c.B)).ToHashSet();
}
