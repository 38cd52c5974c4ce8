namespace VisionFactory.Domain.Pipelines;

/// <summary>
/// A pipeline that should be running: a person started it and nobody stopped it. The host that ran it starts it
/// again (the same version) when it comes back after a restart or a crash.
/// </summary>
public sealed class PipelineDeployment
{
    /// <summary>The pipeline's name (one deployment per pipeline).</summary>
    public required string Name { get; init; }

    /// <summary>The version that was started, and that a resume starts again.</summary>
    public required int Version { get; set; }

    /// <summary>The host that runs it (<c>Pipelines:HostName</c>, the machine name unless set).</summary>
    public required string Host { get; set; }

    public required DateTimeOffset StartedAt { get; set; }

    /// <summary>When the host last started it again after a restart.</summary>
    public DateTimeOffset? ResumedAt { get; set; }

    /// <summary>Why the last resume failed (the pipeline is then not running until someone starts it).</summary>
    public string? ResumeError { get; set; }
}
