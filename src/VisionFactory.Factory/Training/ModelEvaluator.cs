using System.Diagnostics;
using System.Text.Json;
using VisionFactory.Domain.Models;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Inference;
using VisionFactory.Storage.Blobs;

namespace VisionFactory.Factory.Training;

/// <summary>
/// Evaluates a network on labelled images, through cached features when its backbone is the pretrained one: every
/// figure of <see cref="ClassificationMetrics"/>, the latency of one image through the whole network, and each
/// image's prediction kept in the blob store for the misclassified gallery.
/// </summary>
public sealed class ModelEvaluator(PixelSource pixels, FeatureExtractor features, BlobStore blobs)
{
    private const int LatencyImages = 8;
    // Enough for the JIT to settle on a ResNet-18 at 224 pixels; larger networks stop earlier, where the JIT's share of
    // a pass is smaller anyway.
    private static readonly TimeSpan WarmUpBudget = TimeSpan.FromSeconds(2);

    internal static readonly JsonSerializerOptions PredictionsJson = new(JsonSerializerDefaults.Web);

    public EvaluationReport Evaluate(
        ClassifierNetwork network,
        bool backboneFrozen,
        IReadOnlyList<LabelledImage> images,
        IReadOnlyList<string> classes,
        string split,
        int batchSize,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(images);
        float[][] probabilities;
        if (backboneFrozen)
        {
            features.Compute(network, images, batchSize, null, cancellationToken);
            using var stacked = features.Stack(network, images);
            probabilities = ImageClassifier.ProbabilitiesFromFeatures(network, stacked);
        }
        else
        {
            pixels.Prefetch(images.Select(i => i.Sha256), network.ImageSize, network.Fit, cancellationToken);
            probabilities = ImageClassifier.Probabilities(
                network, images.Select(i => pixels.Get(i.Sha256, network.ImageSize, network.Fit)).ToList(), batchSize, cancellationToken);
        }

        var truth = images.Select(i => i.Label).ToList();
        var report = ClassificationMetrics.Compute(truth, probabilities, classes, split);
        var predictions = images.Select((image, n) =>
        {
            var predicted = ClassificationMetrics.ArgMax(probabilities[n]);
            return new ImagePrediction(image.Sha256, image.Label, predicted, probabilities[n][predicted], probabilities[n][image.Label]);
        }).ToList();
        var stored = blobs.Put(JsonSerializer.SerializeToUtf8Bytes(predictions, PredictionsJson));
        return report with
        {
            LatencyMsPerImage = MeasureLatency(network, images, cancellationToken),
            PredictionsSha256 = stored,
        };
    }

    /// <summary>The predictions an evaluation stored, or null when its blob is gone.</summary>
    public List<ImagePrediction>? ReadPredictions(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.PredictionsSha256 is { } sha && blobs.Exists(sha)
            ? JsonSerializer.Deserialize<List<ImagePrediction>>(blobs.ReadAllBytes(sha), PredictionsJson)
            : null;
    }

    // One image at a time through the whole network (what a camera stream pays per frame), in the steady state: after
    // the JIT has settled (two seconds at most), as a stream runs after its first seconds.
    private double? MeasureLatency(ClassifierNetwork network, IReadOnlyList<LabelledImage> images, CancellationToken cancellationToken)
    {
        var sample = images.Take(LatencyImages + 1).Select(i => pixels.Get(i.Sha256, network.ImageSize, network.Fit)).ToList();
        if (sample.Count < 2)
        {
            return null;
        }

        var first = sample.Take(1).ToList();
        SteadyState.WarmUp(() => ImageClassifier.Probabilities(network, first, 1, cancellationToken), WarmUpBudget, cancellationToken);
        var clock = Stopwatch.StartNew();
        ImageClassifier.Probabilities(network, sample.Skip(1).ToList(), 1, cancellationToken);
        return clock.Elapsed.TotalMilliseconds / (sample.Count - 1);
    }
}
