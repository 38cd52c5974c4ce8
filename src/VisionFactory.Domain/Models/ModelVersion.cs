using VisionFactory.Domain.Datasets;

namespace VisionFactory.Domain.Models;

/// <summary>A trained classifier: its artifact in the blob store, how it was made and how it did.</summary>
public sealed class ModelVersion
{
    /// <summary>Short id users type, e.g. "m-5f3a9c2e".</summary>
    public required string Id { get; init; }

    public Guid DatasetVersionId { get; init; }

    public DatasetVersion? DatasetVersion { get; init; }

    public required TrainingSpec Spec { get; init; }

    public required List<string> Classes { get; init; }

    /// <summary>sha256 of the safetensors artifact (weights plus manifest).</summary>
    public required string ArtifactSha256 { get; init; }

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    public double TrainingSeconds { get; init; }

    public List<EpochMetrics> History { get; init; } = [];

    /// <summary>The evaluation on the version's held-out test split, made when training ended.</summary>
    public EvaluationReport? Evaluation { get; set; }

    public static string NewId() => "m-" + Guid.NewGuid().ToString("N")[..8];
}
