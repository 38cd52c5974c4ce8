namespace VisionFactory.Domain.Models.Metrics;

/// <summary>A figure models are ranked and compared by, with the direction that is better.</summary>
/// <param name="Name">The name in the API and the CLI, e.g. "macro_f1".</param>
/// <param name="Title">How pages label it.</param>
/// <param name="HigherIsBetter">True for accuracy-like figures, false for loss, calibration error, latency and time.</param>
public sealed record LeaderboardMetric(string Name, string Title, bool HigherIsBetter)
{
    private static readonly Dictionary<string, Func<ModelVersion, double?>> Readers = new(StringComparer.Ordinal)
    {
        ["accuracy"] = m => m.Evaluation?.Accuracy,
        ["external_accuracy"] = m => m.ExternalEvaluation?.Accuracy,
        ["balanced_accuracy"] = m => m.Evaluation?.BalancedAccuracy,
        ["macro_f1"] = m => m.Evaluation?.MacroF1,
        ["weighted_f1"] = m => m.Evaluation?.WeightedF1,
        ["roc_auc"] = m => m.Evaluation?.MacroRocAuc,
        ["average_precision"] = m => m.Evaluation?.MacroAveragePrecision,
        ["loss"] = m => m.Evaluation?.Loss,
        ["ece"] = m => m.Evaluation?.Ece,
        ["latency_ms"] = m => m.Evaluation?.LatencyMsPerImage,
        ["training_seconds"] = m => m.TrainingSeconds,
    };

    /// <summary>Every metric, in the order tables show them.</summary>
    public static IReadOnlyList<LeaderboardMetric> All { get; } =
    [
        new("accuracy", "Accuracy", true),
        new("external_accuracy", "External test accuracy", true),
        new("balanced_accuracy", "Balanced accuracy", true),
        new("macro_f1", "Macro F1", true),
        new("weighted_f1", "Weighted F1", true),
        new("roc_auc", "ROC AUC (macro)", true),
        new("average_precision", "Average precision (macro)", true),
        new("loss", "Loss", false),
        new("ece", "Calibration error (ECE)", false),
        new("latency_ms", "Latency (ms / image)", false),
        new("training_seconds", "Training time (s)", false),
    ];

    /// <summary>The named metric; an unknown name fails listing the known ones (sorting is only by these).</summary>
    public static LeaderboardMetric Get(string? name)
    {
        var key = string.IsNullOrWhiteSpace(name) ? "accuracy" : name.Trim().ToLowerInvariant().Replace('-', '_');
        return All.FirstOrDefault(m => m.Name == key)
            ?? throw ProblemException.Invalid($"cannot sort by '{name}'; metrics: {string.Join(", ", All.Select(m => m.Name))}");
    }

    /// <summary>The model's value of this metric; null when it was not measured.</summary>
    public double? Of(ModelVersion model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Readers[Name](model) is { } v && double.IsFinite(v) ? v : null;
    }

    /// <summary>Models ordered best first by this metric (unmeasured last), newest first among equals.</summary>
    public List<ModelVersion> Rank(IEnumerable<ModelVersion> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var measured = models.Select(m => (Model: m, Value: Of(m))).ToList();
        var ordered = HigherIsBetter
            ? measured.OrderByDescending(x => x.Value ?? double.NegativeInfinity)
            : measured.OrderBy(x => x.Value ?? double.PositiveInfinity);
        return [.. ordered.ThenByDescending(x => x.Model.CreatedAt).Select(x => x.Model)];
    }

    /// <summary>The ids of the models with the best value (several when tied); empty when none was measured.</summary>
    public List<string> Best(IReadOnlyCollection<ModelVersion> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var values = models.Select(m => (m.Id, Value: Of(m))).Where(x => x.Value is not null).ToList();
        if (values.Count == 0)
        {
            return [];
        }

        var best = HigherIsBetter ? values.Max(x => x.Value!.Value) : values.Min(x => x.Value!.Value);
        return [.. values.Where(x => Math.Abs(x.Value!.Value - best) <= 1e-12).Select(x => x.Id)];
    }
}
