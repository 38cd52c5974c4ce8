namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>Bounds on a scene, checked from its header before any pixel buffer exists.</summary>
public sealed record GeoLimits
{
    public static GeoLimits Default { get; } = new();

    /// <summary>Widest or tallest scene side in pixels.</summary>
    public long MaxSide { get; init; } = 200_000;

    /// <summary>Most pixels in one scene (a Sentinel-2 10 m tile has 120 million).</summary>
    public long MaxPixels { get; init; } = 4_000_000_000;

    /// <summary>Most bands in one file.</summary>
    public int MaxBands { get; init; } = 64;

    /// <summary>Largest decoded tile or strip: blocks are read whole, so this bounds the memory one read needs.</summary>
    public long MaxBlockBytes { get; init; } = 64L << 20;

    /// <summary>Most tiles or strips in one file (LibTiff keeps a table of them).</summary>
    public long MaxBlocks { get; init; } = 4_000_000;

    /// <summary>Decoded tiles and strips kept for the chips that still need them (least recently used go first).</summary>
    public long CacheBytes { get; init; } = 128L << 20;

    /// <summary>Most chips one import cuts.</summary>
    public int MaxChips { get; init; } = 200_000;
}
