using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Processors;

/// <summary>Settings of <c>filter</c>.</summary>
public sealed class FilterSettings
{
    /// <summary>Labels to keep; empty keeps any label.</summary>
    public List<string> Labels { get; set; } = [];

    public double MinConfidence { get; set; }
}

/// <summary>Lets through only frames with at least one classification of a wanted label at or above a confidence.</summary>
public sealed class FilterProcessor(FilterSettings settings) : IFrameProcessor
{
    private readonly HashSet<string> labels = new(settings.Labels, StringComparer.Ordinal);

    public bool Process(Frame frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return frame.Labels.Any(l => (labels.Count == 0 || labels.Contains(l.Label)) && l.Confidence >= settings.MinConfidence);
    }

    public void Dispose()
    {
    }
}
