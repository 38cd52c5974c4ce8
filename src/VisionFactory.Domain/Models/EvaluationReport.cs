using VisionFactory.Domain.Models.Metrics;

namespace VisionFactory.Domain.Models;

/// <summary>How a model did on a held-out set of images.</summary>
public sealed record EvaluationReport
{
    /// <summary>Which images were used, e.g. "test".</summary>
    public required string Split { get; init; }

    public required int Images { get; init; }

    public required double Accuracy { get; init; }

    /// <summary>Mean cross-entropy.</summary>
    public required double Loss { get; init; }

    public required double MacroF1 { get; init; }

    public required List<ClassMetrics> PerClass { get; init; }

    /// <summary>Rows are true classes, columns predicted classes, in <see cref="Classes"/> order.</summary>
    public required int[][] ConfusionMatrix { get; init; }

    public required List<string> Classes { get; init; }

    // Reports stored before the full evaluation existed lack the figures below; they are null there.

    /// <summary>Mean recall over the classes that have images: accuracy as if every class were equally common.</summary>
    public double? BalancedAccuracy { get; init; }

    /// <summary>F1 per class weighted by its support.</summary>
    public double? WeightedF1 { get; init; }

    /// <summary>The confusion matrix with each row divided by its total (a row of a class without images is zeros).</summary>
    public double[][]? NormalizedConfusionMatrix { get; init; }

    /// <summary>Area under the ROC curve per class, one class against the rest; null where a class has no images or is all there is.</summary>
    public Dictionary<string, double?>? RocAuc { get; init; }

    /// <summary>Mean of the defined per-class ROC AUCs.</summary>
    public double? MacroRocAuc { get; init; }

    /// <summary>Average precision (area under the precision-recall curve) per class, one against the rest.</summary>
    public Dictionary<string, double?>? AveragePrecision { get; init; }

    /// <summary>Mean of the defined per-class average precisions.</summary>
    public double? MacroAveragePrecision { get; init; }

    /// <summary>ROC and precision-recall curves per class (thinned to at most a few hundred points for drawing).</summary>
    public List<ClassCurves>? Curves { get; init; }

    /// <summary>Reliability curve and expected calibration error of the predicted class's probability.</summary>
    public CalibrationReport? Calibration { get; init; }

    /// <summary>Expected calibration error (also in <see cref="Calibration"/>).</summary>
    public double? Ece { get; init; }

    /// <summary>Share of images whose true class is among the k most probable, for k below the number of classes (more than 2 classes only).</summary>
    public List<TopKAccuracy>? TopK { get; init; }

    /// <summary>
    /// CPU latency of one image through the whole network in milliseconds: steady state, median of 10 passes, on
    /// <see cref="LatencyThreads"/> threads (the definition the zoo and the model assistant use too).
    /// </summary>
    public double? LatencyMsPerImage { get; init; }

    /// <summary>The CPU threads <see cref="LatencyMsPerImage"/> was measured with; null for evaluations made before it was recorded.</summary>
    public int? LatencyThreads { get; init; }

    /// <summary>The dataset the images came from.</summary>
    public string? Dataset { get; init; }

    /// <summary>The dataset version the images came from.</summary>
    public int? DatasetVersion { get; init; }

    /// <summary>sha256 of the blob holding every image's prediction (for the misclassified gallery and the confusion cells).</summary>
    public string? PredictionsSha256 { get; init; }

    /// <summary>Where the model looks: each class's mean heat map over a sample of the images, with warnings of likely shortcuts; null where not made.</summary>
    public HeatMaps.HeatMapCheck? HeatMapCheck { get; init; }

    /// <summary>
    /// Accuracy and per-class recall under label-preserving changes (hue, greyscale, lighting, blur, JPEG, crop,
    /// occlusion) with warnings where a class's recall falls sharply; null in reports stored before it existed.
    /// </summary>
    public StressTestReport? StressTest { get; init; }

    /// <summary>True when this report has every figure of the full evaluation (older stored reports do not).</summary>
    public bool HasFullMetrics() => Calibration is not null && Curves is not null;
}

/// <summary>Precision, recall and F1 of one class, and its ranking quality one against the rest.</summary>
public sealed record ClassMetrics(string Class, double Precision, double Recall, double F1, int Support, double? RocAuc = null, double? AveragePrecision = null);

/// <summary>The ROC and precision-recall curves of one class against the rest.</summary>
public sealed record ClassCurves(string Class, List<CurvePoint> Roc, List<CurvePoint> PrecisionRecall);

/// <summary>Share of images whose true class is among the <paramref name="K"/> most probable.</summary>
public sealed record TopKAccuracy(int K, double Accuracy);

/// <summary>How the model classified one image.</summary>
/// <param name="Sha256">The image.</param>
/// <param name="Truth">True class index.</param>
/// <param name="Predicted">Predicted class index.</param>
/// <param name="Confidence">Probability of the predicted class.</param>
/// <param name="TruthProbability">Probability the model gave the true class.</param>
public sealed record ImagePrediction(string Sha256, int Truth, int Predicted, double Confidence, double TruthProbability);
