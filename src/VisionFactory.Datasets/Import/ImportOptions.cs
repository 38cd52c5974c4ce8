using VisionFactory.Domain.Datasets;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Datasets.Import;

/// <summary>How an import splits and which images it accepts.</summary>
public sealed record ImportOptions
{
    public static ImportOptions Default { get; } = new();

    public SplitPlan Split { get; init; } = SplitPlan.Default;

    public ImageLimits Limits { get; init; } = ImageLimits.Default;
}
