namespace VisionFactory.Pipelines.Runtime;

/// <summary>
/// What sinks receive: a finished frame's findings and an optional JPEG preview, with no pixels to own, so that the
/// same result can go to several sinks at once.
/// </summary>
public sealed record FrameResult(
    string Pipeline,
    int Version,
    long Sequence,
    DateTimeOffset CapturedAt,
    int Width,
    int Height,
    IReadOnlyList<FaceBox> Faces,
    IReadOnlyList<Classification> Labels,
    byte[]? Thumbnail)
{
    /// <summary>The most confident classification, or null.</summary>
    public Classification? Top => Labels.Count == 0 ? null : Labels.MaxBy(l => l.Confidence);
}
