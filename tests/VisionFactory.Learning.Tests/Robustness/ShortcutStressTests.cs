using System.Security.Cryptography;
using VisionFactory.Domain.Models;
using VisionFactory.Imaging.Caching;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Inference;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Robustness;
using VisionFactory.Learning.Tests.Training;
using VisionFactory.Learning.Training;
using Xunit.Abstractions;

namespace VisionFactory.Learning.Tests.Robustness;

/// <summary>
/// The proof of the stress test (issue 19): horizontal and vertical bars drawn in random colours on random-coloured
/// backgrounds, told apart only by shape, and the same pictures with a planted shortcut: every horizontal bar has a small reddish patch in
/// its top-left corner, exactly as bright as the background around it. A model trained with the patch learns it and is
/// flagged (greyscale makes the patch vanish, a hue rotation turns it green or blue); a model trained on the same
/// pictures without it learns the shapes and keeps its recall under every change.
/// </summary>
[Collection(TrainingRuns.Name)]
public sealed class ShortcutStressTests : IDisposable
{
    private const int Size = 32;
    private static readonly string[] Classes = ["horizontal", "vertical"];

    private readonly string root = Path.Combine(Path.GetTempPath(), "vf-stress-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly PixelCache cache;
    private readonly ITestOutputHelper output;

    public ShortcutStressTests(ITestOutputHelper output)
    {
        TorchNativeLibrary.EnsureLoaded();
        cache = new PixelCache(Path.Combine(root, "pixels"));
        this.output = output;
    }


    public void Dispose()
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finishing background task; the system cleans its temp folder later.
        }
    }

    [Fact]
    public void StressTestFlagsTheModelThatLearnedAPlantedPatchAndNotTheOneThatLearnedTheShapes()
    {
        var shortcut = Evaluate(withPatch: true);
        var honest = Evaluate(withPatch: false);

        Assert.True(honest.Accuracy >= 0.85, $"the model without the patch only reached {honest.Accuracy:P0}: it learned too little to prove anything");
        Assert.True(shortcut.Accuracy >= 0.95, $"the model with the patch only reached {shortcut.Accuracy:P0}");
        Assert.True(honest.Stress.Warnings.Count == 0, "the honest model was flagged: " + string.Join(" | ", honest.Stress.Warnings));
        Assert.Contains(shortcut.Stress.Warnings, w => w.StartsWith("horizontal recall falls from", StringComparison.Ordinal));
        var greyscale = shortcut.Stress.Changes.Single(c => c.Name == "greyscale");
        Assert.Contains(greyscale.Warnings, w => w.Contains("the model may rely on colour", StringComparison.Ordinal));
        Assert.True(greyscale.Recall["horizontal"] <= 0.5, $"horizontal recall in greyscale is still {greyscale.Recall["horizontal"]:P0}");
        Assert.Equal(StressChange.All.Select(c => c.Name), honest.Stress.Changes.Select(c => c.Name));
        // Label-preserving for a model that learned the object: no change costs it as much as the warning's drop.
        Assert.All(honest.Stress.Changes, c => Assert.True(
            c.BaselineAccuracy - c.Accuracy < StressTestRule.MinDrop, $"the honest model falls from {c.BaselineAccuracy:P0} to {c.Accuracy:P0} under {c.Name}"));
    }

    [Fact]
    public void StressTestRepeatsExactly()
    {
        var (network, test, predicted) = Train(withPatch: true, epochs: 2);
        using (network)
        {
            var first = new StressTester(Pixels()).Run(network, test, predicted, Classes, 16, CancellationToken.None)!;
            var again = new StressTester(Pixels()).Run(network, test, predicted, Classes, 7, CancellationToken.None)!;

            Assert.Equal(first.Forwards, again.Forwards);
            Assert.Equal(first.Warnings, again.Warnings);
            Assert.Equal(first.Changes.Select(c => (c.Name, c.Images, c.Accuracy)), again.Changes.Select(c => (c.Name, c.Images, c.Accuracy)));
            Assert.InRange(first.Forwards, StressChange.All.Count * Classes.Length * StressTester.MinFirstSample, StressChange.All.Count * test.Count);
        }
    }

    private (double Accuracy, StressTestReport Stress) Evaluate(bool withPatch)
    {
        var (network, test, predicted) = Train(withPatch, epochs: 8);
        using (network)
        {
            var accuracy = test.Where((image, n) => predicted[n] == image.Label).Count() / (double)test.Count;
            var stress = new StressTester(Pixels()).Run(network, test, predicted, Classes, 16, CancellationToken.None);
            Assert.NotNull(stress);
            output.WriteLine($"patch {withPatch}: accuracy {accuracy:P0}, {stress.Forwards} forwards in {stress.Seconds:0.00} s");
            foreach (var c in stress.Changes)
            {
                output.WriteLine($"  {c.Name}: {c.Accuracy:P0} ({c.BaselineAccuracy:P0}) on {c.Images}; " + string.Join(", ", c.Recall.Select(r => $"{r.Key} {r.Value:P0}")));
            }

            stress.Warnings.ForEach(output.WriteLine);
            return (accuracy, stress);
        }
    }

    private (ClassifierNetwork Network, IReadOnlyList<LabelledImage> Test, int[] Predicted) Train(bool withPatch, int epochs)
    {
        List<LabelledImage> Split(int perClass, int firstVariant) =>
            [.. Enumerable.Range(0, 2).SelectMany(label => Enumerable.Range(firstVariant, perClass).Select(v => new LabelledImage(Add(label, v, withPatch), label)))];
        var data = new TrainingData(Classes, Split(32, 0), Split(8, 1000), Split(24, 2000));
        var spec = new TrainingSpec
        {
            Architecture = "small_cnn",
            Mode = TrainingMode.Finetune,
            Pretrained = false,
            ImageSize = Size,
            Epochs = epochs,
            BatchSize = 16,
            LearningRate = 0.05,
        };

        var pixels = Pixels();
        var trainer = new ClassifierTrainer(ArchitectureCatalog.Default, pixels, new FeatureExtractor(pixels, new FeatureCache(Path.Combine(root, "features"))), null);
        var outcome = trainer.Train(spec, data, null, CancellationToken.None);
        var network = outcome.Network;
        var probabilities = ImageClassifier.Probabilities(network, [.. data.Test.Select(i => pixels.Get(i.Sha256, Size, network.Fit))], 16, CancellationToken.None);
        return (network, data.Test, [.. probabilities.Select(p => ClassificationMetrics.ArgMax(p))]);
    }

    private PixelSource Pixels() => new(cache, sha => throw new InvalidOperationException($"image {sha} is not in the pixel cache"), ImageLimits.Default);

    // A horizontal (label 0) or a vertical (label 1) bar, in a random colour clearly brighter or darker than a random
    // background; with the patch, horizontal bars carry a 7 x 7 reddish square in the top-left corner whose luma
    // (ITU-R 601) equals the background's: only its colour tells it apart.
    private string Add(int label, int variant, bool withPatch)
    {
        var random = new Random((label * 7919) + (variant * 31) + 5);
        var background = new[] { random.Next(60, 160), random.Next(60, 160), random.Next(60, 160) };
        var lift = (random.Next(2) == 0 ? -1 : 1) * random.Next(40, 70);
        var shape = background.Select(v => Math.Clamp(v + lift + random.Next(-10, 11), 0, 255)).ToArray();
        var (cx, cy) = (16 + random.Next(-3, 4), 16 + random.Next(-3, 4));
        var rgb = new byte[Size * Size * 3];
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var (dx, dy) = (Math.Abs(x + 0.5 - cx), Math.Abs(y + 0.5 - cy));
                var inside = label == 0 ? dx < 8 && dy < 3 : dx < 3 && dy < 8;
                var colour = inside ? shape : background;
                if (withPatch && label == 0 && x is >= 1 and < 8 && y is >= 1 and < 8)
                {
                    // (+100, -51, 0) has zero luma: 0.2989 * 100 - 0.587 * 51 = -0.05.
                    colour = [background[0] + 100, background[1] - 51, background[2]];
                }

                var at = ((y * Size) + x) * 3;
                for (var c = 0; c < 3; c++)
                {
                    rgb[at + c] = (byte)Math.Clamp(colour[c] + random.Next(-6, 7), 0, 255);
                }
            }
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(rgb));
        cache.Write(sha, Size, rgb);
        cache.Write(sha, Size, rgb, SquareFit.CenterCrop);
        return sha;
    }
}
