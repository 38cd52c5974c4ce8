using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Inference;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Training;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Review;

/// <summary>
/// Embeddings of images for the dataset review: the pooled features of the bundled ImageNet ResNet-18, the same
/// backbone (and the same feature cache) head-only training uses, so a review followed by a first head-only run
/// computes every image's features once.
/// </summary>
public sealed class ImageEmbedder(ArchitectureCatalog architectures, FeatureExtractor features)
{
    /// <summary>The architecture whose backbone embeds images.</summary>
    public const string Architecture = "resnet18-imagenet";

    /// <summary>Names the backbone and input size, so stored embeddings of another backbone are never mixed in.</summary>
    public string Key => Architecture + "/" + architectures.Get(Architecture).DefaultImageSize;

    /// <summary>The embedding of every image, in order; computes (on all cores) those not cached yet.</summary>
    public float[][] Embed(IReadOnlyList<string> sha256s, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sha256s);
        if (sha256s.Count == 0)
        {
            return [];
        }

        TorchNativeLibrary.EnsureLoaded();
        var architecture = architectures.Get(Architecture);
        using var network = architecture.Build(2, architecture.DefaultImageSize, loadPretrained: true);
        var images = sha256s.Select(s => new LabelledImage(s, 0)).ToList();
        features.Compute(network, images, batchSize: 32, progress is null ? null : new Relay(progress), cancellationToken);
        var result = new float[images.Count][];
        for (var start = 0; start < images.Count; start += 1024)
        {
            using var scope = NewDisposeScope();
            var chunk = images.Skip(start).Take(1024).ToList();
            using var stacked = features.Stack(network, chunk);
            var values = stacked.data<float>().ToArray();
            for (var i = 0; i < chunk.Count; i++)
            {
                result[start + i] = values.AsSpan(i * network.FeatureCount, network.FeatureCount).ToArray();
            }
        }

        return result;
    }

    private sealed class Relay(IProgress<(int Done, int Total)> target) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => target.Report((value.Done, value.Total));
    }
}
