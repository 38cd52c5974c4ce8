namespace VisionFactory.Domain.Review;

/// <summary>
/// What the review measures of one image, computed once per image content (sha256) and kept, so a second review, or
/// the review of another version or dataset holding the same file, measures nothing again.
/// </summary>
public sealed class ImageSignature
{
    /// <summary>The image file's sha256.</summary>
    public required string Sha256 { get; init; }

    /// <summary>The 64-bit DCT perceptual hash, stored as its two's-complement bits.</summary>
    public long PerceptualHash { get; init; }

    /// <summary>
    /// The 256-bit difference hash as 32 little-endian bytes; null in signatures measured before it was kept (they are
    /// measured again).
    /// </summary>
    public byte[]? DifferenceHash { get; init; }

    /// <summary>Mean luminance, 0 (black) to 255 (white).</summary>
    public double MeanLuminance { get; init; }

    /// <summary>Share of pixels clipped to black.</summary>
    public double DarkFraction { get; init; }

    /// <summary>Share of pixels clipped to white.</summary>
    public double BrightFraction { get; init; }

    /// <summary>Variance of the Laplacian of the luminance: low for blurry or flat pictures.</summary>
    public double LaplacianVariance { get; init; }

    /// <summary>The side of the square pixels these were measured on.</summary>
    public int MeasuredSide { get; init; }
}

/// <summary>The pooled features of one image from one pretrained backbone, for similarity search and label checks.</summary>
public sealed class ImageEmbedding
{
    public required string Sha256 { get; init; }

    /// <summary>The backbone and input size, e.g. <c>resnet18-imagenet/128</c>.</summary>
    public required string Backbone { get; init; }

    /// <summary>The vector as little-endian 32-bit floats.</summary>
    public required byte[] Vector { get; init; }
}

/// <summary>A stored review of one dataset version.</summary>
public sealed class DatasetReview
{
    public Guid Id { get; init; } = Guid.NewGuid();

    public Guid DatasetVersionId { get; init; }

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    public required ReviewReport Report { get; init; }
}
