using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Models;
using VisionFactory.Factory;
using VisionFactory.Factory.Training;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Training;
using VisionFactory.Storage;

namespace VisionFactory.Bench;

/// <summary>
/// <c>stress [TEST_IMAGES]</c>: the cost of the stress test beside the plain evaluation, on a class-balanced slice of
/// the masks corpus's test split (200 images by default) with a head-only ResNet-18: the evaluation made after training
/// (plain figures from cached features) and the one <c>vf evaluate --recompute</c> makes (full forwards, as every
/// fine-tuned model's evaluation).
/// </summary>
internal static class StressBench
{
    public static async Task RunAsync(string masks, int testImages)
    {
        var root = Path.Combine(Path.GetTempPath(), "vf-bench-stress-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var data = new DataDirectory(root);
            await using var services = new ServiceCollection().AddVisionFactory(data).BuildServiceProvider();
            await services.MigrateDatabaseAsync(CancellationToken.None);
            await using var scope = services.CreateAsyncScope();
            Console.WriteLine();
            Console.WriteLine($"## Stress test cost: head-only ResNet-18 (224 px) on {testImages} test images of the masks corpus");
            var clock = Stopwatch.StartNew();
            var version = await scope.ServiceProvider.GetRequiredService<DatasetImporter>().ImportAsync("masks", masks, ImportOptions.Default, null, CancellationToken.None);
            Console.WriteLine($"  import: {clock.Elapsed.TotalSeconds:0.0} s, {version.Items.Count} images");

            var ordered = version.Items.OrderBy(i => i.Sha256, StringComparer.Ordinal).ToList();
            List<LabelledImage> Of(Split split) => [.. ordered.Where(i => i.Split == split).Select(i => new LabelledImage(i.Sha256, i.ClassIndex))];
            var test = Of(Split.Test).GroupBy(i => i.Label).SelectMany(g => g.Take(testImages / version.Classes.Count)).ToList();
            // 150 training images per class: the model only has to be a real one; its figures are not the point here.
            var train = Of(Split.Train).GroupBy(i => i.Label).SelectMany(g => g.Take(150)).ToList();
            var training = new TrainingData(version.Classes, train, Of(Split.Validation), test);
            var spec = new TrainingSpec { Mode = TrainingMode.Head, Epochs = 10, Seed = 42 };
            clock.Restart();
            using var outcome = scope.ServiceProvider.GetRequiredService<ClassifierTrainer>().Train(spec, training, null, CancellationToken.None);
            Console.WriteLine($"  head-only training (10 epochs over cached features): {clock.Elapsed.TotalSeconds:0.0} s");

            var evaluator = scope.ServiceProvider.GetRequiredService<ModelEvaluator>();
            foreach (var (name, frozen) in new[] { ("after training (cached features)", true), ("vf evaluate --recompute (full forwards)", false) })
            {
                clock.Restart();
                var report = evaluator.Evaluate(outcome.Network, frozen, test, training.Classes, "test", spec.BatchSize, CancellationToken.None);
                var total = clock.Elapsed.TotalSeconds;
                var stress = report.StressTest!;
                var heatMaps = report.HeatMapCheck?.Seconds ?? 0;
                var plain = total - stress.Seconds - heatMaps;
                Console.WriteLine(
                    $"  {name}: plain evaluation {plain:0.00} s ({report.Images} images, accuracy {report.Accuracy:P2}, latency included), " +
                    $"stress test {stress.Seconds:0.00} s ({stress.Forwards} forwards, {stress.ImagesPerClass} images per class and change), " +
                    $"heat-map check {heatMaps:0.00} s: both {(stress.Seconds + heatMaps) / plain:0.00}x the plain evaluation");
                foreach (var change in stress.Changes)
                {
                    Console.WriteLine($"    {change.Name,-20} accuracy {change.Accuracy,7:P1} ({change.BaselineAccuracy:P1} unchanged) on {change.Images} images; " +
                        string.Join(", ", change.Recall.Select(r => $"{r.Key} {r.Value:P0}")));
                }

                stress.Warnings.ForEach(w => Console.WriteLine("    warning: " + w));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }
}
