using System.Text.Json;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Evaluation.HeatMaps;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Inference;
using VisionFactory.Learning.Robustness;
using VisionFactory.Storage.Blobs;

namespace VisionFactory.Factory.Training;

/// <summary>
/// Evaluates a network on labelled images, through cached features when its backbone is the pretrained one: every
/// figure of <see cref="ClassificationMetrics"/>, the latency of one image through the whole network, each
/// image's prediction kept in the blob store for the misclassified gallery, and the stress test (<see cref="StressTester"/>).
/// </summary>
public sealed class ModelEvaluator(PixelSource pixels, FeatureExtractor features, BlobStore blobs, HeatMapChecker heatMaps)
{
    internal static readonly JsonSerializerOptions PredictionsJson = new(JsonSerializerDefaults.Web);

    private readonly StressTester stress = new(pixels);

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
            probabilities = features.ProbabilitiesFromCache(network, images);
        }
        else
        {
            pixels.Prefetch(images.Select(i => i.Sha256), network.ImageSize, network.Fit, cancellationToken);
            probabilities = ImageClassifier.Probabilities(
                network, images.Select(i => pixels.Get(i.Sha256, network.ImageSize, network.Fit)).ToList(), batchSize, cancellationToken);
        }

        var truth = images.Select(i => i.Label).ToList();
        var report = ClassificationMetrics.Compute(truth, probabilities, classes, split);
        var predictions = Predictions(images, probabilities);
        var stored = blobs.Put(JsonSerializer.SerializeToUtf8Bytes(predictions, PredictionsJson));

        // Full forwards even where the plain figures came from cached features: the changes act on pixels.
        var stressTest = stress.Run(network, images, [.. predictions.Select(p => p.Predicted)], classes, batchSize, cancellationToken);
        return report with
        {
            StressTest = stressTest,
            LatencyMsPerImage = MeasureLatency(network, images.Count == 0 ? null : pixels.Get(images[0].Sha256, network.ImageSize, network.Fit), cancellationToken),
            LatencyThreads = images.Count == 0 ? null : CpuLatency.Threads,
            PredictionsSha256 = stored,
            HeatMapCheck = heatMaps.Check(network, images, classes, batchSize, cancellationToken),
        };
    }

    /// <summary>
    /// Evaluates a model on an engine that is not TorchSharp (an imported ONNX graph): every figure of
    /// <see cref="ClassificationMetrics"/>, the one-image latency and the stored predictions. The stress test and the
    /// heat-map check need the network's tensors, so they are not part of it.
    /// </summary>
    public EvaluationReport Evaluate(
        IClassifierEngine engine,
        IReadOnlyList<LabelledImage> images,
        IReadOnlyList<string> classes,
        string split,
        int batchSize,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(images);
        pixels.Prefetch(images.Select(i => i.Sha256), engine.ImageSize, engine.Fit, cancellationToken);
        var probabilities = engine.Probabilities(
            images.Select(i => pixels.Get(i.Sha256, engine.ImageSize, engine.Fit)).ToList(), batchSize, cancellationToken);
        var report = ClassificationMetrics.Compute(images.Select(i => i.Label).ToList(), probabilities, classes, split);
        var stored = blobs.Put(JsonSerializer.SerializeToUtf8Bytes(Predictions(images, probabilities), PredictionsJson));
        double? latency = null;
        if (images.Count > 0)
        {
            List<byte[]> one = [pixels.Get(images[0].Sha256, engine.ImageSize, engine.Fit)];
            latency = CpuLatency.MedianMilliseconds(() => engine.Probabilities(one, 1, cancellationToken), CpuLatency.Threads, cancellationToken: cancellationToken);
        }

        return report with
        {
            LatencyMsPerImage = latency,
            LatencyThreads = images.Count == 0 ? null : CpuLatency.Threads,
            PredictionsSha256 = stored,
        };
    }

    // Each image's predicted class, its probability and the true class's, as an evaluation stores them.
    private static List<ImagePrediction> Predictions(IReadOnlyList<LabelledImage> images, float[][] probabilities) =>
        [.. images.Select((image, n) =>
        {
            var predicted = ClassificationMetrics.ArgMax(probabilities[n]);
            return new ImagePrediction(image.Sha256, image.Label, predicted, probabilities[n][predicted], probabilities[n][image.Label]);
        })];

    /// <summary>The predictions an evaluation stored, or null when its blob is gone.</summary>
    public List<ImagePrediction>? ReadPredictions(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.PredictionsSha256 is { } sha && blobs.Exists(sha)
            ? JsonSerializer.Deserialize<List<ImagePrediction>>(blobs.ReadAllBytes(sha), PredictionsJson)
            : null;
    }

    // One image through the whole network (what a camera stream pays per frame), as CpuLatency defines it, so that the
    // model and Compare pages show the figure the zoo and the assistant show.
    private static double? MeasureLatency(ClassifierNetwork network, byte[]? image, CancellationToken cancellationToken)
    {
        if (image is null)
        {
            return null;
        }

        List<byte[]> one = [image];
        return CpuLatency.MedianMilliseconds(() => ImageClassifier.Probabilities(network, one, 1, cancellationToken), CpuLatency.Threads, cancellationToken: cancellationToken);
    }
}
