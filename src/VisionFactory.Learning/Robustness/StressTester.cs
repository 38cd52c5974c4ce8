using System.Diagnostics;
using VisionFactory.Domain.Models;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Robustness;

/// <summary>
/// Runs the stress test (<see cref="StressTestReport"/>): every change of <see cref="StressChange.All"/> over the same
/// seeded, class-balanced sample of the evaluated images, compared image by image with the model's unchanged predictions.
/// </summary>
/// <remarks>
/// Cost is kept to about half a pass over a 200-image split: each change first sees at most
/// <see cref="MaxFirstSample"/> images per class (fewer when the split is small, so that all changes together take about
/// 60% of the split's forwards); a class whose recall drops by <see cref="StressTestRule.MinDrop"/> there is sampled again
/// with up to four times as many images before it is judged, so a warning rests on enough images and a model that
/// keeps its recall pays nothing more.
/// </remarks>
public sealed class StressTester(PixelSource pixels)
{
    /// <summary>The seed of the sample and of every random change.</summary>
    public const int Seed = 19;

    public const int MaxFirstSample = 8;
    public const int MinFirstSample = 4;
    public const int Extension = 4;

    /// <param name="network">The model.</param>
    /// <param name="images">The evaluated images.</param>
    /// <param name="baselinePredicted">The model's prediction for each image unchanged.</param>
    /// <param name="classes">Class names in label order.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The report, or null when there are no images.</returns>
    public StressTestReport? Run(
        ClassifierNetwork network,
        IReadOnlyList<LabelledImage> images,
        IReadOnlyList<int> baselinePredicted,
        IReadOnlyList<string> classes,
        int batchSize,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(baselinePredicted);
        ArgumentNullException.ThrowIfNull(classes);
        if (images.Count == 0)
        {
            return null;
        }

        var clock = Stopwatch.StartNew();
        var changes = StressChange.All;
        var present = images.Select(i => i.Label).Distinct().Count();
        var first = Math.Clamp((int)Math.Round(0.6 * images.Count / (changes.Count * present)), MinFirstSample, MaxFirstSample);

        // Per class, its images in a seeded order: the first sample is the head of it, the extension what follows.
        var order = images.Select((image, index) => (image, index))
            .GroupBy(p => p.image.Label)
            .ToDictionary(
                g => g.Key,
                g => g.OrderBy(p => new StableRandom(Seed, LabelPreservingChanges.ImageKey(p.image.Sha256)).NextUInt64())
                    .ThenBy(p => p.image.Sha256, StringComparer.Ordinal)
                    .Select(p => p.index).ToList());

        var firstPass = changes.SelectMany((_, c) => order.Values.SelectMany(indices => indices.Take(first).Select(i => (c, i)))).ToList();
        var outcomes = changes.Select(_ => new Dictionary<int, List<StressOutcome>>()).ToArray();
        var forwards = Judge(network, images, baselinePredicted, firstPass, outcomes, batchSize, cancellationToken);

        var secondPass = new List<(int Change, int Image)>();
        for (var c = 0; c < changes.Count; c++)
        {
            foreach (var (label, indices) in order)
            {
                if (outcomes[c].TryGetValue(label, out var seen) && StressTestRule.Suspicious(seen))
                {
                    secondPass.AddRange(indices.Skip(first).Take(first * (Extension - 1)).Select(i => (c, i)));
                }
            }
        }

        forwards += Judge(network, images, baselinePredicted, secondPass, outcomes, batchSize, cancellationToken);

        var results = changes.Select((change, c) => StressTestRule.Assess(change, classes, [.. outcomes[c].Values.SelectMany(o => o)])).ToList();
        return new StressTestReport
        {
            ImagesPerClass = first,
            Seed = Seed,
            Changes = results,
            Warnings = [.. results.SelectMany(r => r.Warnings)],
            Forwards = forwards,
            Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    // Classifies each (change, image) pair changed and adds its outcome to outcomes[change][label]; returns the forwards.
    private int Judge(
        ClassifierNetwork network,
        IReadOnlyList<LabelledImage> images,
        IReadOnlyList<int> baselinePredicted,
        List<(int Change, int Image)> work,
        Dictionary<int, List<StressOutcome>>[] outcomes,
        int batchSize,
        CancellationToken cancellationToken)
    {
        network.Module.eval();
        var size = network.ImageSize;
        var step = Math.Max(1, batchSize);
        foreach (var group in work.GroupBy(w => w.Change))
        {
            var kind = StressChange.All[group.Key].Kind;
            var members = group.Select(w => w.Image).ToList();
            for (var start = 0; start < members.Count; start += step)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = members.Skip(start).Take(step).ToList();
                var rgb = batch.AsParallel().AsOrdered()
                    .Select(i => LabelPreservingChanges.ApplyToPixels(pixels.Get(images[i].Sha256, size, network.Fit), size, kind))
                    .ToList();
                int[] predicted;
                using (var scope = NewDisposeScope())
                using (inference_mode())
                {
                    var raw = BatchAssembler.Assemble(rgb, size, network.Input.Bgr);
                    var changed = LabelPreservingChanges.Apply(raw, kind, [.. batch.Select(i => LabelPreservingChanges.ImageKey(images[i].Sha256))], Seed, network.Input.Bgr);
                    predicted = [.. network.Logits(network.Input.Apply(changed)).argmax(1).to_type(ScalarType.Int32).data<int>()];
                }

                for (var k = 0; k < batch.Count; k++)
                {
                    var image = images[batch[k]];
                    if (!outcomes[group.Key].TryGetValue(image.Label, out var list))
                    {
                        outcomes[group.Key][image.Label] = list = [];
                    }

                    list.Add(new StressOutcome(image.Label, baselinePredicted[batch[k]] == image.Label, predicted[k] == image.Label));
                }
            }
        }

        return work.Count;
    }
}
