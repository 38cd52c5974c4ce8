namespace VisionFactory.Domain.Pipelines;

/// <summary>An alert rule fired: a label above a confidence for a number of consecutive frames.</summary>
public sealed class PipelineAlert
{
    public long Id { get; init; }

    public required string Pipeline { get; init; }

    public required DateTimeOffset RaisedAt { get; init; }

    public required string Label { get; init; }

    public required double Confidence { get; init; }

    public required int Frames { get; init; }

    public required string Message { get; init; }
}
