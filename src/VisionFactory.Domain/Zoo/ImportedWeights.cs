namespace VisionFactory.Domain.Zoo;

/// <summary>Pretrained weights a user imported for an architecture; runs of it start from them.</summary>
public sealed class ImportedWeights
{
    public required string Architecture { get; init; }

    /// <summary>sha256 of the stored safetensors blob.</summary>
    public required string Sha256 { get; init; }

    /// <summary>The file name it came from, for people reading the zoo.</summary>
    public required string SourceFile { get; init; }

    /// <summary>Classes of the checkpoint's own head (1000 for ImageNet).</summary>
    public int HeadClasses { get; init; }

    public int Tensors { get; init; }

    public DateTimeOffset ImportedAt { get; init; } = DateTimeOffset.UtcNow;
}
