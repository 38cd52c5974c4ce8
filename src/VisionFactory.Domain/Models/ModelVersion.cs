using System.Globalization;
using VisionFactory.Domain.Datasets;

namespace VisionFactory.Domain.Models;

/// <summary>A trained classifier: its artifact in the blob store, how it was made and how it did.</summary>
public sealed class ModelVersion
{
    /// <summary>Short id users type, e.g. "m-5f3a9c2e".</summary>
    public required string Id { get; init; }

    /// <summary>The dataset version it was trained on; for an imported model, the one named at import, or null.</summary>
    public Guid? DatasetVersionId { get; init; }

    public DatasetVersion? DatasetVersion { get; init; }

    public required TrainingSpec Spec { get; init; }

    public required List<string> Classes { get; init; }

    /// <summary>sha256 of the artifact: the safetensors file (weights plus manifest), or the ONNX graph of an imported model.</summary>
    public required string ArtifactSha256 { get; init; }

    /// <summary>
    /// For a model brought in from an ONNX file (<c>vf models import</c>): the file's name. Its artifact is then the ONNX
    /// graph, which runs on ONNX Runtime only: it cannot be explained (CAM / Grad-CAM), trained further or resumed.
    /// Null for a model trained here.
    /// </summary>
    public string? ImportedFrom { get; init; }

    /// <summary>Whether the model was imported from an ONNX file rather than trained here.</summary>
    public bool IsImported => ImportedFrom is not null;

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    public double TrainingSeconds { get; init; }

    public List<EpochMetrics> History { get; init; } = [];

    /// <summary>The evaluation on the version's held-out test split, made when training ended.</summary>
    public EvaluationReport? Evaluation { get; set; }

    /// <summary>
    /// The evaluation on the external test set of its dataset (every image of another dataset, classes matched by name;
    /// <see cref="EvaluationReport.Dataset"/> names it); null when its dataset has none or it was not evaluated there yet.
    /// </summary>
    public EvaluationReport? ExternalEvaluation { get; set; }

    /// <summary>
    /// The accuracy that says most about images from elsewhere: on the external test set when measured there, else on the
    /// own test split. Choosing a model ("best", the assistant) goes by this one.
    /// </summary>
    public double? DecisiveAccuracy() => ExternalEvaluation?.Accuracy ?? Evaluation?.Accuracy;

    /// <summary>Each class's recall on the own test split beside the external test set, with warnings; null without both.</summary>
    public ExternalGapCheck? ExternalGap() =>
        Evaluation is { } own && ExternalEvaluation is { } external ? ExternalGapCheck.Assess(own, external) : null;

    public static string NewId() => "m-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The index of a class given by name (or by its index as text); a clear error naming the classes otherwise.</summary>
    public int ClassIndexOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var index = Classes.IndexOf(name);
        if (index < 0 && int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number < Classes.Count)
        {
            index = number;
        }

        return index >= 0
            ? index
            : throw ProblemException.Invalid($"model {Id} has no class '{name}'; its classes are {string.Join(", ", Classes.Select(c => $"'{c}'"))}");
    }
}
