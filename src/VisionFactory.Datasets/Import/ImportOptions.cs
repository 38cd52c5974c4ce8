using VisionFactory.Domain.Datasets;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Datasets.Import;

/// <summary>How an import splits and which images it accepts.</summary>
public sealed record ImportOptions
{
    public static ImportOptions Default { get; } = new();

    public SplitPlan Split { get; init; } = SplitPlan.Default;

    public ImageLimits Limits { get; init; } = ImageLimits.Default;

    public ArchiveLimits Archive { get; init; } = ArchiveLimits.Default;

    /// <summary>How the source is laid out; by default recognised from its name and contents.</summary>
    public ImportFormat Format { get; init; } = ImportFormat.Auto;

    /// <summary>
    /// The images join the dataset's pool without a class (<see cref="Split.Pool"/>): folders are not read as classes,
    /// and the images are never trained or evaluated on until they are labelled.
    /// </summary>
    public bool Unlabelled { get; init; }
}

/// <summary>Bounds on an uploaded archive, checked before and while it is read.</summary>
public sealed record ArchiveLimits
{
    public static ArchiveLimits Default { get; } = new();

    /// <summary>Entries (files and folders) in one archive.</summary>
    public int MaxEntries { get; init; } = 200_000;

    /// <summary>Bytes all entries inflate to, declared and actually read.</summary>
    public long MaxTotalBytes { get; init; } = 32L * 1024 * 1024 * 1024;

    /// <summary>Inflated / compressed size of one entry above 1 MiB; images barely compress, bombs expand 1000-fold.</summary>
    public long MaxCompressionRatio { get; init; } = 100;
}
