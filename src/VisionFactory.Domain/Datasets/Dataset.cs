namespace VisionFactory.Domain.Datasets;

/// <summary>A named collection of labelled images; its content lives in immutable <see cref="DatasetVersion"/>s.</summary>
public sealed class Dataset
{
    public Guid Id { get; init; } = Guid.NewGuid();

    /// <summary>The name users type: lower-case letters, digits, '-', '_' and '.'.</summary>
    public required string Name { get; init; }

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>
    /// The name of another dataset whose images (all of them, from another source) every model of this dataset is also
    /// evaluated on, classes matched by name; null when none is named.
    /// </summary>
    public string? ExternalTestSet { get; set; }

    public List<DatasetVersion> Versions { get; init; } = [];
}
