using VisionFactory.Domain.Pipelines;
using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Sinks;

/// <summary>The JSON form of one frame's results, as webhooks, JSON-lines files and the results API give it.</summary>
public sealed record ResultDocument(
    string Pipeline,
    int Version,
    long Sequence,
    DateTimeOffset CapturedAt,
    int Width,
    int Height,
    string? TopLabel,
    IReadOnlyList<ResultDetection> Detections)
{
    public static ResultDocument From(FrameResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new ResultDocument(result.Pipeline, result.Version, result.Sequence, result.CapturedAt, result.Width, result.Height, result.Top?.Label, DetectionsOf(result));
    }

    /// <summary>One entry per classification (with its face box when it has one), plus faces left unclassified.</summary>
    public static List<ResultDetection> DetectionsOf(FrameResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var detections = result.Labels.Select(l => l.Face is { } f
            ? new ResultDetection(f.X, f.Y, f.Width, f.Height, Math.Round(f.Score, 4), l.Label, Math.Round(l.Confidence, 6))
            : new ResultDetection(null, null, null, null, null, l.Label, Math.Round(l.Confidence, 6))).ToList();
        var classified = result.Labels.Where(l => l.Face is not null).Select(l => l.Face!.Value).ToHashSet();
        detections.AddRange(result.Faces.Where(f => !classified.Contains(f))
            .Select(f => new ResultDetection(f.X, f.Y, f.Width, f.Height, Math.Round(f.Score, 4), null, null)));
        return detections;
    }
}
