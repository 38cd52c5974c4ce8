namespace VisionFactory.Domain.Pipelines;

/// <summary>
/// One saved version of a pipeline: its definition as JSON text, validated against the component catalog when it was
/// saved. Versions are immutable; saving a pipeline under an existing name adds the next version.
/// </summary>
public sealed class PipelineVersion
{
    public const int MaxNameLength = 64;

    public Guid Id { get; init; } = Guid.NewGuid();

    /// <summary>The pipeline's name, its id in the API and the CLI (letters, digits, '-', '_').</summary>
    public required string Name { get; init; }

    /// <summary>1 for the first version of a name, then 2, 3, ...</summary>
    public required int Number { get; init; }

    /// <summary>The definition exactly as validated, in the catalog's JSON shape.</summary>
    public required string Definition { get; init; }

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;
}
