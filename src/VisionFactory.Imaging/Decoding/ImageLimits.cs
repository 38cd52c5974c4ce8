namespace VisionFactory.Imaging.Decoding;

/// <summary>Bounds an image must fit before any pixel memory is allocated for it.</summary>
public sealed record ImageLimits
{
    /// <summary>40 megapixels, 64 MiB per file, at least 8 pixels per side.</summary>
    public static ImageLimits Default { get; } = new();

    public long MaxPixels { get; init; } = 40_000_000;

    public long MaxFileBytes { get; init; } = 64L * 1024 * 1024;

    public int MinSide { get; init; } = 8;
}
