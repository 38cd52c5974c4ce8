using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Training;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Inference;

/// <summary>
/// Pooled backbone features of pretrained (frozen) networks, computed once per image, architecture and size and
/// kept in the <see cref="FeatureCache"/>.
/// </summary>
public sealed class FeatureExtractor(PixelSource pixels, FeatureCache cache)
{
    /// <summary>Computes and caches the features of every image that has none yet.</summary>
    public void Compute(
        ClassifierNetwork network, IReadOnlyList<LabelledImage> images, int batchSize,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var missing = images.Select(i => i.Sha256).Distinct(StringComparer.Ordinal)
            .Where(sha => !cache.TryRead(KeyOf(network), network.ImageSize, sha, network.FeatureCount, out _))
            .ToList();
        if (missing.Count == 0)
        {
            return;
        }

        network.Module.eval();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var done = 0;
        progress?.Report(new TrainingProgress(TrainingPhase.ComputingFeatures, 0, 0, 0, missing.Count, 0, 0, 0, 0));

        // Decode the next batch on the thread pool while the network runs on the current one.
        var batches = missing.Chunk(batchSize).ToList();
        var next = Task.Run(() => Load(batches[0], network), cancellationToken);
        for (var b = 0; b < batches.Count; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rgb = next.GetAwaiter().GetResult();
            if (b + 1 < batches.Count)
            {
                var following = batches[b + 1];
                next = Task.Run(() => Load(following, network), cancellationToken);
            }

            using var scope = NewDisposeScope();
            using var _ = inference_mode();
            var raw = BatchAssembler.Assemble(rgb, network.ImageSize, network.Input.Bgr);
            var output = network.Features(network.Input.Apply(raw)).contiguous();
            var values = output.data<float>().ToArray();
            for (var i = 0; i < batches[b].Length; i++)
            {
                cache.Write(KeyOf(network), network.ImageSize, batches[b][i],
                    values.AsSpan(i * network.FeatureCount, network.FeatureCount));
            }

            done += batches[b].Length;
            progress?.Report(new TrainingProgress(
                TrainingPhase.ComputingFeatures, 0, 0, done, missing.Count, 0, 0, 0, done / clock.Elapsed.TotalSeconds));
        }
    }

    /// <summary>
    /// Class probabilities of <paramref name="images"/> from their cached features (compute them first): the head's
    /// forward only, for networks whose backbone stays frozen.
    /// </summary>
    public float[][] ProbabilitiesFromCache(ClassifierNetwork network, IReadOnlyList<LabelledImage> images)
    {
        using var stacked = Stack(network, images);
        return ImageClassifier.ProbabilitiesFromFeatures(network, stacked);
    }

    /// <summary>The cached features of <paramref name="images"/> as a [N, F] tensor (compute them first).</summary>
    public Tensor Stack(ClassifierNetwork network, IReadOnlyList<LabelledImage> images)
    {
        var data = new float[images.Count * network.FeatureCount];
        for (var i = 0; i < images.Count; i++)
        {
            if (!cache.TryRead(KeyOf(network), network.ImageSize, images[i].Sha256, network.FeatureCount, out var f))
            {
                throw new InvalidOperationException($"no cached features for image {images[i].Sha256}");
            }

            f.CopyTo(data, i * network.FeatureCount);
        }

        return tensor(data, [images.Count, network.FeatureCount]);
    }

    // Centre-cropped pictures give other features than stretched ones, so each fit has its own entries.
    private static string KeyOf(ClassifierNetwork network) => (network.BackboneKey
        ?? throw new InvalidOperationException($"{network.Architecture} has no fixed pretrained backbone, so its features cannot be cached"))
        + (network.Fit == SquareFit.CenterCrop ? "-crop" : "");

    private List<byte[]> Load(string[] shas, ClassifierNetwork network) =>
        shas.AsParallel().AsOrdered().Select(sha => pixels.Get(sha, network.ImageSize, network.Fit)).ToList();
}
