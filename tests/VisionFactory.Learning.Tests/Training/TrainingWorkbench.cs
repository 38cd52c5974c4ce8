using System.Security.Cryptography;
using VisionFactory.Domain.Models;
using VisionFactory.Imaging.Caching;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Inference;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Training;
using VisionFactory.Learning.Weights;
using VisionFactory.Learning.Zoo;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Training;

/// <summary>
/// Tests that train run one at a time: the tensor library's random generator is global to the process, and a run is
/// only reproducible when nothing else draws from it meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainingRuns
{
    public const string Name = "Training runs";
}

/// <summary>
/// Tiny training runs: synthetic 32x32 images of coloured shapes in a pixel cache under a fresh temporary folder,
/// the small_cnn architecture, and trainers over them. Every image is already in the pixel cache, so nothing is decoded.
/// </summary>
internal sealed class TrainingWorkbench : IDisposable
{
    public const string Architecture = "small_cnn";
    public const int Size = 32;

    private readonly string root = Path.Combine(Path.GetTempPath(), "vf-training-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly PixelCache cache;
    private readonly Dictionary<string, Tensor> pretrained;
    private int next;

    public TrainingWorkbench()
    {
        TorchNativeLibrary.EnsureLoaded();
        Directory.CreateDirectory(root);
        cache = new PixelCache(Path.Combine(root, "pixels"));

        // "Imported" weights for head mode: a seeded small_cnn, so that its backbone is fixed and features cache.
        manual_seed(7);
        using var donor = SmallCnn.Create(2);
        pretrained = donor.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope(), StringComparer.Ordinal);
    }

    /// <summary>Two classes (a red-ish circle, a green-ish square) with per-image jitter.</summary>
    public static IReadOnlyList<string> Classes { get; } = ["circle", "square"];

    /// <summary>A spec for a fast finetune run of small_cnn at 32 px.</summary>
    public static TrainingSpec Finetune(int epochs = 4) => new()
    {
        Architecture = Architecture,
        Mode = TrainingMode.Finetune,
        ImageSize = Size,
        Epochs = epochs,
        BatchSize = 8,
        LearningRate = 0.05,
    };

    /// <summary>
    /// <paramref name="spec"/> with the batch norms' statistics estimated on the training images. The workbench's
    /// "pretrained" small_cnn is a seeded random network whose running statistics are the initial 0 and 1, not measured
    /// ones, and a tiny network normalised by them learns a few steps' worth only slowly: tests of settings that need the
    /// backbone to move visibly in a few steps (learning-rate shares, augmentation, label smoothing) estimate them.
    /// </summary>
    public static TrainingSpec EstimatingStatistics(TrainingSpec spec) => spec with { KeepBatchNormStatistics = false };

    /// <summary>A spec for a head-only run of small_cnn at 32 px over the imported weights.</summary>
    public static TrainingSpec Head(int epochs = 4) => new()
    {
        Architecture = Architecture,
        Mode = TrainingMode.Head,
        ImageSize = Size,
        Epochs = epochs,
        BatchSize = 8,
    };

    /// <summary>Images per class in each split; the validation labels can be swapped, so learning makes validation worse.</summary>
    public TrainingData Data(int[] trainPerClass, int validationPerClass = 4, int testPerClass = 2, bool swapValidationLabels = false)
    {
        ArgumentNullException.ThrowIfNull(trainPerClass);
        List<LabelledImage> Split(int[] perClass, bool swap) =>
            [.. perClass.SelectMany((count, label) => Enumerable.Range(0, count).Select(_ => new LabelledImage(Add(label), swap ? 1 - label : label)))];
        return new TrainingData(
            Classes,
            Split(trainPerClass, false),
            Split([validationPerClass, validationPerClass], swapValidationLabels),
            Split([testPerClass, testPerClass], false));
    }

    /// <summary>A trainer with nothing shared with earlier ones but the pixel and feature caches on disk.</summary>
    /// <param name="importedWeights">Start small_cnn from the "imported" weights (which head mode needs), else from scratch.</param>
    public ClassifierTrainer Trainer(bool importedWeights = true)
    {
        var pixels = Pixels();
        var features = new FeatureExtractor(pixels, new FeatureCache(Path.Combine(root, "features")));
        return new ClassifierTrainer(ArchitectureCatalog.Default, pixels, features, importedWeights ? new ImportedWeights(pretrained) : null);
    }

    /// <summary>A pixel source over the workbench's images, for evaluating a network.</summary>
    public PixelSource Pixels() => new(cache, sha => throw new InvalidOperationException($"image {sha} is not in the pixel cache"), ImageLimits.Default);

    /// <summary>Plain cross-entropy of a network on some images, as the trainer computes validation loss.</summary>
    public double Loss(ClassifierNetwork network, IReadOnlyList<LabelledImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var pixels = Pixels();
        var probabilities = ImageClassifier.Probabilities(network, images.Select(i => pixels.Get(i.Sha256, Size, network.Fit)).ToList(), 8, CancellationToken.None);
        return ClassificationMetrics.Compute(images.Select(i => i.Label).ToList(), probabilities, Classes, "check").Loss;
    }

    public void Dispose()
    {
        foreach (var tensor in pretrained.Values)
        {
            tensor.Dispose();
        }

        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finishing background task; the system cleans its temp folder later.
        }
    }

    /// <summary>The largest absolute difference between the same-named weights and buffers of two modules.</summary>
    public static double MaxDifference(nn.Module a, nn.Module b, Func<string, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var left = a.state_dict();
        var right = b.state_dict();
        Assert.Equal(left.Keys.Order(StringComparer.Ordinal), right.Keys.Order(StringComparer.Ordinal));
        using var scope = NewDisposeScope();
        return left.Keys
            .Where(k => include?.Invoke(k) ?? true)
            .Max(k => (left[k] - right[k]).abs().max().to_type(ScalarType.Float64).item<double>());
    }

    private string Add(int label)
    {
        var variant = next++;
        var random = new Random((label * 7919) + variant);
        var rgb = new byte[Size * Size * 3];
        byte Jitter(int value) => (byte)Math.Clamp(value + random.Next(-25, 26), 0, 255);
        var (background, shape) = label == 0
            ? ((Jitter(220), Jitter(40), Jitter(40)), (Jitter(35), Jitter(215), Jitter(215)))
            : ((Jitter(40), Jitter(160), Jitter(60)), (Jitter(215), Jitter(95), Jitter(195)));
        var offset = random.Next(0, Size / 4);
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var inside = label == 0
                    ? Math.Pow(x - (Size / 2.0) - offset + (Size / 8.0), 2) + Math.Pow(y - (Size / 2.0), 2) < Math.Pow(Size / 4.0, 2)
                    : x >= offset && y >= offset && x < offset + (Size / 2) && y < offset + (Size / 2);
                var (r, g, b) = inside ? shape : background;
                var at = ((y * Size) + x) * 3;
                (rgb[at], rgb[at + 1], rgb[at + 2]) = (r, g, b);
            }
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(rgb));
        // Square pictures: a centre crop is the picture itself, so both fits find the same pixels.
        cache.Write(sha, Size, rgb);
        cache.Write(sha, Size, rgb, SquareFit.CenterCrop);
        return sha;
    }

    private sealed class ImportedWeights(Dictionary<string, Tensor> weights) : IPretrainedWeightsSource
    {
        public (string Key, Dictionary<string, Tensor> Weights)? Find(string architecture) =>
            architecture == Architecture
                ? ("small_cnn-test", weights.ToDictionary(p => p.Key, p => p.Value.clone().DetachFromDisposeScope(), StringComparer.Ordinal))
                : null;
    }
}

/// <summary>A journal in memory that keeps every checkpoint it is given.</summary>
internal sealed class MemoryJournal(byte[]? latest = null) : ITrainingJournal
{
    public byte[]? Latest { get; private set; } = latest;

    public List<EpochMetrics> Completed { get; } = [];

    /// <summary>The checkpoint written at the end of each epoch, by epoch.</summary>
    public Dictionary<int, byte[]> EpochCheckpoints { get; } = [];

    public List<(int Epoch, int Step)> Interruptions { get; } = [];

    /// <summary>Thrown by <see cref="CompleteEpoch"/> from this epoch on, as when the run's lease is lost.</summary>
    public int? FailFromEpoch { get; init; }

    public Stream? OpenLatestCheckpoint() => Latest is null ? null : new MemoryStream(Latest, writable: false);

    public void CompleteEpoch(EpochMetrics metrics, Action<Stream> writeCheckpoint)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(writeCheckpoint);
        if (metrics.Epoch >= FailFromEpoch)
        {
            throw new InvalidOperationException("the run's lease was lost");
        }

        Latest = Write(writeCheckpoint);
        EpochCheckpoints[metrics.Epoch] = Latest;
        Completed.Add(metrics);
    }

    public void SaveInterruption(int epoch, int step, Action<Stream> writeCheckpoint)
    {
        Latest = Write(writeCheckpoint);
        Interruptions.Add((epoch, step));
    }

    private static byte[] Write(Action<Stream> writeCheckpoint)
    {
        using var buffer = new MemoryStream();
        writeCheckpoint(buffer);
        return buffer.ToArray();
    }
}

/// <summary>Progress reported synchronously, on the training thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class ProgressCallback(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}
