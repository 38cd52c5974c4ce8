namespace VisionFactory.Domain.Datasets;

/// <summary>A named collection of labelled images; its content lives in immutable <see cref="DatasetVersion"/>s.</summary>
public sealed class Dataset
{
    public Guid Id { get; init; } = Guid.NewGuid();

    /// <summary>The name users type: lower-case letters, digits, '-', '_' and '.'.</summary>
    public required string Name { get; init; }

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    public List<DatasetVersion> Versions { get; init; } = [];
}
