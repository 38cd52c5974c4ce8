namespace VisionFactory.Domain.Datasets;

/// <summary>One image of a dataset version: a blob, its label and its split.</summary>
public sealed class ImageItem
{
    /// <summary>The <see cref="ClassIndex"/> of an image in the pool (<see cref="Split.Pool"/>): it has no class yet.</summary>
    public const int NoClass = -1;

    public long Id { get; init; }

    public Guid DatasetVersionId { get; init; }

    /// <summary>The sha256 of the file's bytes, which is also its address in the blob store.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Path relative to the imported folder or archive, with '/' separators.</summary>
    public required string SourcePath { get; init; }

    /// <summary>The label, an index into the version's classes; <see cref="NoClass"/> for an image of the pool.</summary>
    public int ClassIndex { get; init; }

    public int Width { get; init; }

    public int Height { get; init; }

    public long Bytes { get; init; }

    /// <summary>The encoded format as the decoder named it: jpeg, png, webp, gif, bmp.</summary>
    public required string Format { get; init; }

    public Split Split { get; set; }
}
