namespace VisionFactory.Domain.Datasets;

/// <summary>
/// An immutable snapshot of a dataset: its classes, images and their train / validation / test split.
/// Every change to a dataset makes a new version, so runs trained on an older one stay reproducible.
/// </summary>
public sealed class DatasetVersion
{
    public Guid Id { get; init; } = Guid.NewGuid();

    public Guid DatasetId { get; init; }

    public Dataset? Dataset { get; init; }

    /// <summary>1 for the first version of a dataset, then 2, 3, ...</summary>
    public int Number { get; init; }

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Class names in label order: an image's <see cref="ImageItem.ClassIndex"/> indexes this list.</summary>
    public required List<string> Classes { get; init; }

    /// <summary>Where the images came from (a folder or archive path), for people reading the history.</summary>
    public required string Source { get; init; }

    public required SplitPlan Split { get; init; }

    /// <summary>What the import skipped and why, and which files were identical.</summary>
    public required ImportReport Import { get; init; }

    public List<ImageItem> Items { get; init; } = [];
}
