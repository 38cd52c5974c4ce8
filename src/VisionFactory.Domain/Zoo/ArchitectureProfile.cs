namespace VisionFactory.Domain.Zoo;

/// <summary>Facts measured on this installation for one architecture; the zoo lists them, never guesses them.</summary>
public sealed class ArchitectureProfile
{
    public required string Architecture { get; init; }

    /// <summary>Parameters with a 1000-class head.</summary>
    public long Parameters { get; set; }

    /// <summary>Multiply-accumulates of one forward pass at <see cref="InputSize"/>.</summary>
    public long Flops { get; set; }

    public int InputSize { get; set; }

    /// <summary>Median single-image CPU latency, measured by "vf zoo bench"; null until measured.</summary>
    public double? CpuLatencyMs { get; set; }

    /// <summary>CPU threads the latency was measured with.</summary>
    public int? LatencyThreads { get; set; }

    public DateTimeOffset? LatencyMeasuredAt { get; set; }
}
