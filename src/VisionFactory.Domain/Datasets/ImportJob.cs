namespace VisionFactory.Domain.Datasets;

/// <summary>Where an import job stands.</summary>
public enum ImportJobState
{
    /// <summary>Recorded, not yet started.</summary>
    Queued,

    /// <summary>Its process is importing.</summary>
    Running,

    /// <summary>Finished; the new version is <see cref="ImportJob.Version"/>.</summary>
    Succeeded,

    /// <summary>Stopped by a problem named in <see cref="ImportJob.Error"/>; nothing was imported.</summary>
    Failed,

    /// <summary>Stopped on request; nothing was imported.</summary>
    Cancelled,

    /// <summary>Its process stopped or died while it ran; nothing was imported.</summary>
    Interrupted,
}

/// <summary>
/// One import into a dataset, from an upload, a server path, the web, a search or a remote server, recorded so that it
/// is still known (and can be cancelled) from another page, another process or after a restart. A version is written
/// only when the whole import succeeds, so a job that did not succeed left nothing behind.
/// </summary>
public sealed class ImportJob
{
    /// <summary>Longest source description kept (remote addresses never carry their password here).</summary>
    public const int MaxSourceLength = 1000;

    public Guid Id { get; init; } = Guid.NewGuid();

    public required string Dataset { get; init; }

    /// <summary>Where the images come from, e.g. "upload: pets.zip" or "sftp://ann@host:22/photos".</summary>
    public required string Source { get; init; }

    public ImportJobState State { get; set; }

    /// <summary>Files checked so far.</summary>
    public int Done { get; set; }

    /// <summary>Files to check (0 while still collecting them).</summary>
    public int Total { get; set; }

    /// <summary>Files skipped so far (at the end: all of them).</summary>
    public int Skipped { get; set; }

    /// <summary>The new version's number when it succeeded.</summary>
    public int? Version { get; set; }

    public int? Imported { get; set; }

    /// <summary>Files dropped because identical bytes were already kept.</summary>
    public int? Duplicates { get; set; }

    /// <summary>The first skipped files with their reasons.</summary>
    public List<SkippedFile> SkippedFiles { get; set; } = [];

    /// <summary>Why it failed, was cancelled or interrupted.</summary>
    public string? Error { get; set; }

    /// <summary>Who started it (a user name, "cli", or "inbox").</summary>
    public string? StartedBy { get; init; }

    /// <summary>Someone asked to cancel it; its process stops it within a second.</summary>
    public bool CancelRequested { get; set; }

    /// <summary>Who asked to cancel it.</summary>
    public string? CancelledBy { get; set; }

    /// <summary>The process that runs it ("machine:pid:start"); a process that is gone leaves it interrupted.</summary>
    public string? Owner { get; set; }

    /// <summary>When its process last wrote progress (how a job run on another machine is known to be alive).</summary>
    public DateTimeOffset? HeartbeatAt { get; set; }

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Whether it will never change again.</summary>
    public bool IsFinished => State is ImportJobState.Succeeded or ImportJobState.Failed or ImportJobState.Cancelled or ImportJobState.Interrupted;
}
