using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Review;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Review;
using VisionFactory.Factory;
using VisionFactory.Factory.Training;
using VisionFactory.Imaging.Quality;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Training;
using VisionFactory.Storage;

namespace VisionFactory.Bench;

/// <summary>
/// <c>review</c>: the dataset review on the masks corpus (cold and cached), its search at 100 000 images against
/// brute force, and the accuracy a random split reports against a grouped one (the inflation leakage causes).
/// </summary>
internal static class ReviewBench
{
    private static readonly double[] Flipped = [0.1, 0.9];
    private static readonly double[] SureA = [0.8, 0.2];
    private static readonly double[] UnsureB = [0.25, 0.75];

    public static async Task RunAsync(string masks)
    {
        var root = Path.Combine(Path.GetTempPath(), "vf-bench-review-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var data = new DataDirectory(root);
            await using var services = new ServiceCollection().AddVisionFactory(data).BuildServiceProvider();
            await services.MigrateDatabaseAsync(CancellationToken.None);
            await MasksAsync(services, masks);
            await InflationAsync(services);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }

        Scale();
    }

    private static async Task MasksAsync(IServiceProvider services, string masks)
    {
        Console.WriteLine();
        Console.WriteLine($"## Review of the masks corpus ({masks}): import, then review cold (measure, embed, search, 5-fold label check) and cached");
        await using var scope = services.CreateAsyncScope();
        var clock = Stopwatch.StartNew();
        var version = await scope.ServiceProvider.GetRequiredService<DatasetImporter>().ImportAsync("masks", masks, ImportOptions.Default, null, CancellationToken.None);
        Console.WriteLine($"  import: {clock.Elapsed.TotalSeconds:0.0} s, {version.Items.Count} images; grouped split: {version.Import.Grouping}");

        var reviewer = scope.ServiceProvider.GetRequiredService<DatasetReviewer>();
        var phases = new Dictionary<string, double>();
        clock.Restart();
        var report = await reviewer.ReviewAsync("masks", null, new ReviewOptions(), new Timer(phases, clock), CancellationToken.None);
        var cold = clock.Elapsed.TotalSeconds;
        clock.Restart();
        await reviewer.ReviewAsync("masks", null, new ReviewOptions(), null, CancellationToken.None);
        var warm = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  review cold: {cold:0.0} s (phases ended at: {string.Join(", ", phases.Select(p => $"{p.Key} {p.Value:0.0} s"))}); cached: {warm:0.0} s");
        Console.WriteLine($"  peak working set so far: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MiB");
        Console.WriteLine($"  health: score {report.Health.Score}, {report.Health.ImagesAffected} images affected ({report.Health.ShareAffected:P1})");
        foreach (var f in report.Health.Findings)
        {
            Console.WriteLine($"    {f.Kind,-17} {f.Count,5}  {f.Title}");
        }

        var crossPairs = report.NearDuplicates.Where(g => g.CrossesClasses).Sum(g => g.Images.Count(i => i.Class == g.Images[0].Class) * g.Images.Count(i => i.Class != g.Images[0].Class));
        Console.WriteLine($"  near-duplicates: {report.NearDuplicates.Count} groups, {report.NearDuplicates.Sum(g => g.Images.Count)} images, " +
            $"{report.NearDuplicates.Count(g => g.CrossesClasses)} groups across classes ({crossPairs} cross-class image pairs); evidence: " +
            string.Join(", ", report.NearDuplicates.GroupBy(g => g.Evidence).Select(g => $"{g.Key} {g.Count()}")));
        Console.WriteLine($"  exact duplicate groups: {report.ExactDuplicates.Count}; leakage pairs in the grouped split: {report.Leakage.Pairs} " +
            $"(embedding pairs the hash grouping did not see: {report.Leakage.Examples.Count(p => p.HashDistance > report.Settings.HashRadius)})");
        Console.WriteLine($"  label check: accuracy {report.LabelCheck?.Accuracy:P1}, thresholds {string.Join(" / ", report.LabelCheck?.Thresholds.Select(t => t.ToString("0.000")) ?? [])}, " +
            $"{report.SuspectedLabels.Count} suspected; top 10:");
        foreach (var (s, rank) in report.SuspectedLabels.Take(10).Select((s, i) => (s, i + 1)))
        {
            Console.WriteLine($"    {rank,2}. {s.Image.Path} labelled {s.Image.Class} ({s.GivenProbability:0.000}) -> {s.Suggested} ({s.SuggestedProbability:0.000})");
        }

        foreach (var name in new[] { "with_mask/500-with-mask.jpg" })
        {
            var rank = report.SuspectedLabels.FindIndex(s => s.Image.Path == name);
            Console.WriteLine($"  {name}: {(version.Items.Any(i => i.SourcePath == name) ? rank >= 0 ? $"rank {rank + 1}" : "not suspected" : "not in the corpus")}");
        }
    }

    // Same images, same head-only settings; only the split differs.
    private static async Task InflationAsync(IServiceProvider services)
    {
        Console.WriteLine();
        Console.WriteLine("## Leakage inflation: head-only ResNet-18 (pretrained, 60 epochs over cached features), test accuracy on a random stratified split vs the grouped split, split seeds 1-3");
        await using var scope = services.CreateAsyncScope();
        var version = await scope.ServiceProvider.GetRequiredService<DatasetCatalog>().GetVersionAsync("masks", null, withItems: true, CancellationToken.None);
        var signatures = await scope.ServiceProvider.GetRequiredService<ImageSignatures>().GetAsync(version.Items.Select(i => i.Sha256).ToList(), null, CancellationToken.None);
        var trainer = scope.ServiceProvider.GetRequiredService<ClassifierTrainer>();
        var evaluator = scope.ServiceProvider.GetRequiredService<ModelEvaluator>();
        var items = version.Items.Select(i => (i.SourcePath, i.Sha256, i.ClassIndex)).ToList();
        var random = new List<double>();
        var grouped = new List<double>();
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var plan = SplitPlan.Default with { Seed = seed };
            var plain = StratifiedSplitter.Assign(items.Select(i => (i.SourcePath, i.ClassIndex)), plan);
            var (together, grouping) = NearDuplicateSplit.Assign(items, [], plan, sha => ImageHashes.Of(signatures[sha]));
            var a = Accuracy(trainer, evaluator, version, plain);
            var b = Accuracy(trainer, evaluator, version, together);
            random.Add(a);
            grouped.Add(b);
            Console.WriteLine($"  seed {seed}: random split {a:P2}, grouped split {b:P2} (grouping moved {grouping.Moved} images)");
        }

        Console.WriteLine($"  mean: random {random.Average():P2}, grouped {grouped.Average():P2}; inflation {(random.Average() - grouped.Average()) * 100:0.00} points");
    }

    private static double Accuracy(ClassifierTrainer trainer, ModelEvaluator evaluator, DatasetVersion version, Dictionary<string, Split> splits)
    {
        var ordered = version.Items.OrderBy(i => i.Sha256, StringComparer.Ordinal).ToList();
        List<LabelledImage> Of(Split split) => ordered.Where(i => splits[i.SourcePath] == split).Select(i => new LabelledImage(i.Sha256, i.ClassIndex)).ToList();
        var data = new TrainingData(version.Classes, Of(Split.Train), Of(Split.Validation), Of(Split.Test));
        var spec = new TrainingSpec { Mode = TrainingMode.Head, Seed = 42 };
        using var outcome = trainer.Train(spec, data, null, CancellationToken.None);
        return evaluator.Evaluate(outcome.Network, outcome.BackboneFrozen, data.Test, data.Classes, "test", spec.BatchSize, CancellationToken.None).Accuracy;
    }

    // The search and analysis at scale, on generated signatures and embeddings (decoding and embedding 100 000 real
    // images would take hours on two cores and measures the backbone, not the review): 80 % distinct images, 20 %
    // near copies of them (a few hash bits flipped, a little embedding noise).
    public static void Scale()
    {
        Console.WriteLine();
        Console.WriteLine("## Review search and analysis at scale: generated hashes, 512-d embeddings and probabilities (no decoding); reference: brute-force all-pairs");
        foreach (var n in new[] { 12_500, 25_000, 50_000, 100_000 })
        {
            var (hashes, vectors) = Generate(n, seed: n);
            var differences = GenerateDifferences(n, seed: n + 1);
            GC.Collect();
            var before = GC.GetTotalMemory(true);
            var clock = Stopwatch.StartNew();
            var hashPairs = HammingIndex.Pairs(hashes, 8);
            var hashSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var differencePairs = HammingIndex.Pairs(differences, 10);
            var differenceSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var cosinePairs = CosineIndex.Pairs(vectors, 0.95, seed: 17);
            var cosineSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var version = SyntheticVersion(n);
            var signatures = version.Items.Select((item, i) => new ImageSignature
            {
                Sha256 = item.Sha256, PerceptualHash = unchecked((long)hashes[i]), DifferenceHash = differences[i].ToBytes(),
                MeanLuminance = 120, LaplacianVariance = 300, MeasuredSide = 224,
            }).ToDictionary(s => s.Sha256, StringComparer.Ordinal);
            var embeddings = version.Items.Select((item, i) => (item.Sha256, vectors[i])).ToDictionary(x => x.Sha256, x => x.Item2, StringComparer.Ordinal);
            var settings = new ReviewSettings();
            var items = ReviewAnalysis.Ordered(version);
            var links = ReviewAnalysis.Links(items, signatures, embeddings, settings, CancellationToken.None);
            var probabilities = items.Select((item, i) => (i % 97 == 0 ? Flipped : item.ClassIndex == 0 ? SureA : UnsureB).ToArray()).ToList();
            var labels = ConfidentLearning.Find(probabilities, items.Select(i => i.ClassIndex).ToList(), 2);
            var report = ReviewAnalysis.Build(
                new ReviewInputs("scale", version, [], null, signatures, embeddings, null, settings), links, labels, 0.9, TimeSpan.Zero);
            var analysisSeconds = clock.Elapsed.TotalSeconds;
            var memory = (GC.GetTotalMemory(false) - before) / 1048576.0;
            Console.WriteLine($"  n={n,7}: hash search {hashSeconds,6:0.00} s ({hashPairs.Count} pairs), difference-hash search {differenceSeconds,6:0.00} s ({differencePairs.Count} pairs), LSH cosine search {cosineSeconds,6:0.00} s ({cosinePairs.Count} pairs), " +
                $"full analysis (both searches again, groups, leakage, labels, report) {analysisSeconds,6:0.00} s, {report.NearDuplicates.Count} groups; managed memory +{memory:0} MiB");

            if (n == 12_500 || n == 100_000)
            {
                clock.Restart();
                var brute = BruteHamming(hashes, 8);
                Console.WriteLine($"      brute-force hash pairs: {brute} pairs in {clock.Elapsed.TotalSeconds:0.00} s (index found {hashPairs.Count})");
            }

            if (n == 12_500)
            {
                clock.Restart();
                var brute = 0;
                for (var a = 0; a < n; a++)
                {
                    for (var b = a + 1; b < n; b++)
                    {
                        brute += differences[a].DistanceTo(differences[b]) <= 10 ? 1 : 0;
                    }
                }

                Console.WriteLine($"      brute-force difference-hash pairs: {brute} pairs in {clock.Elapsed.TotalSeconds:0.00} s (index found {differencePairs.Count})");
            }

            if (n == 12_500)
            {
                clock.Restart();
                var (bruteCosine, recall) = BruteCosine(vectors, 0.95, cosinePairs);
                Console.WriteLine($"      brute-force cosine pairs: {bruteCosine} in {clock.Elapsed.TotalSeconds:0.00} s; LSH recall {recall:P1}");
            }
        }

        Console.WriteLine($"  peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MiB");
    }

    private static (List<ulong> Hashes, List<float[]> Vectors) Generate(int n, int seed)
    {
        var random = new Random(seed);
        var hashes = new List<ulong>(n);
        var vectors = new List<float[]>(n);
        for (var i = 0; i < n; i++)
        {
            if (i % 5 == 4)
            {
                var source = random.Next(i);
                var hash = hashes[source];
                for (var b = random.Next(0, 7); b > 0; b--)
                {
                    hash ^= 1UL << random.Next(64);
                }

                hashes.Add(hash);
                vectors.Add(vectors[source].Select(v => Math.Max(0, v + (float)((random.NextDouble() - 0.5) * 0.1))).ToArray());
            }
            else
            {
                hashes.Add(((ulong)random.NextInt64() << 1) ^ (ulong)random.Next());

                // Non-negative, like pooled ReLU features.
                vectors.Add(Enumerable.Range(0, 512).Select(_ => (float)Math.Max(0, random.NextDouble() * 2 - 0.6)).ToArray());
            }
        }

        return (hashes, vectors);
    }

    // 256-bit difference hashes with the same structure: every fifth a near copy (up to 12 bits flipped) of an earlier one,
    // the rest with about half their bits set, as photos have.
    private static List<DifferenceHash> GenerateDifferences(int n, int seed)
    {
        var random = new Random(seed);
        var hashes = new List<DifferenceHash>(n);
        var bytes = new byte[DifferenceHash.ByteCount];
        for (var i = 0; i < n; i++)
        {
            if (i % 5 == 4)
            {
                bytes = hashes[random.Next(i)].ToBytes();
                for (var b = random.Next(0, 13); b > 0; b--)
                {
                    var bit = random.Next(DifferenceHash.Bits);
                    bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                }
            }
            else
            {
                random.NextBytes(bytes);
            }

            hashes.Add(DifferenceHash.FromBytes(bytes));
        }

        return hashes;
    }

    private static DatasetVersion SyntheticVersion(int n)
    {
        var version = new DatasetVersion { Classes = ["a", "b"], Source = "generated", Split = SplitPlan.Default, Import = new ImportReport() };
        for (var i = 0; i < n; i++)
        {
            version.Items.Add(new ImageItem
            {
                Sha256 = i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture),
                SourcePath = $"img/{i}.jpg", ClassIndex = i % 2, Width = 640, Height = 480, Bytes = 50_000, Format = "jpeg",
                Split = (i % 20) switch { < 14 => Split.Train, < 17 => Split.Validation, _ => Split.Test },
            });
        }

        return version;
    }

    private static long BruteHamming(List<ulong> hashes, int radius)
    {
        long count = 0;
        var array = hashes.ToArray();
        Parallel.For(0, array.Length, () => 0L, (a, _, local) =>
        {
            for (var b = a + 1; b < array.Length; b++)
            {
                if (BitOperations.PopCount(array[a] ^ array[b]) <= radius)
                {
                    local++;
                }
            }

            return local;
        }, local => Interlocked.Add(ref count, local));
        return count;
    }

    private static (int Pairs, double Recall) BruteCosine(List<float[]> vectors, double threshold, List<(int A, int B, double Cosine)> found)
    {
        var unit = CosineIndex.Normalise(vectors);
        var pairs = new System.Collections.Concurrent.ConcurrentBag<(int, int)>();
        Parallel.For(0, unit.Length, a =>
        {
            for (var b = a + 1; b < unit.Length; b++)
            {
                if (TensorPrimitives.Dot(unit[a], unit[b]) >= threshold)
                {
                    pairs.Add((a, b));
                }
            }
        });
        var set = found.Select(p => (p.A, p.B)).ToHashSet();
        return (pairs.Count, pairs.IsEmpty ? 1 : pairs.Count(set.Contains) / (double)pairs.Count);
    }

    private sealed class Timer(Dictionary<string, double> phases, Stopwatch clock) : IProgress<ReviewProgress>
    {
        public void Report(ReviewProgress value)
        {
            lock (phases)
            {
                phases[value.Phase] = clock.Elapsed.TotalSeconds;
            }
        }
    }
}
