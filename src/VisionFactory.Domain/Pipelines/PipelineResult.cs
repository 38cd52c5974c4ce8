namespace VisionFactory.Domain.Pipelines;

/// <summary>One processed frame as the results store keeps it: what was found where, and a small preview.</summary>
public sealed class PipelineResult
{
    public long Id { get; init; }

    public required string Pipeline { get; init; }

    public required int Version { get; init; }

    /// <summary>The frame's number in its run of the pipeline.</summary>
    public required long Sequence { get; init; }

    public required DateTimeOffset CapturedAt { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }

    /// <summary>The label of the most confident classification, or null when nothing was classified.</summary>
    public string? TopLabel { get; init; }

    public List<ResultDetection> Detections { get; init; } = [];

    /// <summary>sha256 of the JPEG preview in the blob store, when the sink keeps previews.</summary>
    public string? ThumbnailSha256 { get; init; }
}

/// <summary>A face box (frame pixels) and/or a classification; a whole-frame classification has no box.</summary>
public sealed record ResultDetection(int? X, int? Y, int? Width, int? Height, double? FaceScore, string? Label, double? Confidence);
