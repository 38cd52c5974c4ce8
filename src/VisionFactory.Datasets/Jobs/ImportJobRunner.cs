using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Storage.Database;

namespace VisionFactory.Datasets.Jobs;

/// <summary>The work of an import job: makes the new version, reporting progress, stopping when the token says so.</summary>
public delegate Task<DatasetVersion> ImportJobWork(IServiceProvider services, IProgress<ImportProgress> progress, CancellationToken cancellationToken);

/// <summary>How a job ended: its final record, and the exception that ended it when it did not succeed.</summary>
public sealed record ImportJobOutcome(ImportJob Job, DatasetVersion? Version, Exception? Failure);

/// <summary>
/// Runs import jobs recorded in the database, so that the web host, the inbox and the command line share one record
/// of them: progress is written every half second together with a heartbeat, a cancel asked for from anywhere (another
/// process included) stops the job within that time, and a job whose process died is marked interrupted by the next
/// process that looks. Cancelling goes through the importer's failure path, which removes the blobs it added; no
/// version is written unless the import succeeds.
/// </summary>
public sealed class ImportJobRunner(IServiceScopeFactory scopes)
{
    /// <summary>Skipped files kept in the job record (the version's report keeps them all).</summary>
    public const int SkippedKept = 200;

    /// <summary>A job run on another machine without a heartbeat for this long is taken as interrupted.</summary>
    public static readonly TimeSpan ForeignHeartbeatTimeout = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(500);

    // Jobs this runner runs, so that a cancel asked for through it stops them at once (others see the flag within a second).
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> running = new();

    /// <summary>This process, as recorded in <see cref="ImportJob.Owner"/>: machine, process id and start time.</summary>
    public static string ThisProcess { get; } = OwnerOf(Environment.MachineName, Environment.ProcessId, ProcessStart(Environment.ProcessId));

    /// <summary>Records a new job, queued, owned by this process.</summary>
    public ImportJob Create(string dataset, string source, string? startedBy)
    {
        ArgumentNullException.ThrowIfNull(source);
        var job = NewJob(dataset, source, startedBy);
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        db.ImportJobs.Add(job);
        db.SaveChanges();
        return job;
    }

    /// <inheritdoc cref="Create"/>
    public async Task<ImportJob> CreateAsync(string dataset, string source, string? startedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var job = NewJob(dataset, source, startedBy);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        db.ImportJobs.Add(job);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return job;
    }

    /// <summary>
    /// Runs a recorded job to its end. <paramref name="cancel"/> is a person's cancel (the job ends cancelled);
    /// <paramref name="stopping"/> is the process shutting down (the job ends interrupted).
    /// </summary>
    public async Task<ImportJobOutcome> RunAsync(
        Guid id, ImportJobWork work, IProgress<ImportProgress>? progress, CancellationToken cancel, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var cancelled = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var any = CancellationTokenSource.CreateLinkedTokenSource(cancelled.Token, stopping);
        running[id] = cancelled;
        var latest = new ImportProgress(0, 0, 0, null);
        using var heartbeatStop = new CancellationTokenSource();
        Task? heartbeat = null;
        try
        {
            var started = await UpdateAsync(id, j =>
            {
                if (j.State != ImportJobState.Queued)
                {
                    return;
                }

                j.State = j.CancelRequested ? ImportJobState.Cancelled : ImportJobState.Running;
                j.Error = j.CancelRequested ? CancelledMessage(j.CancelledBy) : null;
                j.Owner = ThisProcess;
                j.StartedAt = DateTimeOffset.UtcNow;
                j.HeartbeatAt = j.StartedAt;
                j.FinishedAt = j.CancelRequested ? j.StartedAt : null;
            }).ConfigureAwait(false);
            if (started.State != ImportJobState.Running)
            {
                return new ImportJobOutcome(started, null, new OperationCanceledException(started.Error));
            }

            heartbeat = HeartbeatAsync(id, () => latest, cancelled, heartbeatStop.Token);
            var reporter = new Reporter(p =>
            {
                latest = p;
                progress?.Report(p);
            });
            DatasetVersion version;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                version = await work(scope.ServiceProvider, reporter, any.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                await StopHeartbeatAsync(heartbeat, heartbeatStop).ConfigureAwait(false);
                var final = await UpdateAsync(id, j => Fail(j, e, latest, stopping.IsCancellationRequested && !cancelled.IsCancellationRequested)).ConfigureAwait(false);
                return new ImportJobOutcome(final, null, e);
            }

            await StopHeartbeatAsync(heartbeat, heartbeatStop).ConfigureAwait(false);
            var succeeded = await UpdateAsync(id, j =>
            {
                j.State = ImportJobState.Succeeded;
                j.Version = version.Number;
                j.Imported = version.Import.Imported;
                j.Duplicates = version.Import.Duplicates.Sum(d => d.Paths.Count - 1);
                j.Skipped = version.Import.Skipped.Count;
                j.SkippedFiles = version.Import.Skipped.Take(SkippedKept).ToList();
                j.Done = latest.Done;
                j.Total = latest.Total;
                j.FinishedAt = DateTimeOffset.UtcNow;
            }).ConfigureAwait(false);
            return new ImportJobOutcome(succeeded, version, null);
        }
        finally
        {
            running.TryRemove(id, out _);
            if (heartbeat is not null)
            {
                await StopHeartbeatAsync(heartbeat, heartbeatStop).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One job; a clear error when there is none.</summary>
    public async Task<ImportJob> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        return await db.ImportJobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, cancellationToken).ConfigureAwait(false)
            ?? throw ProblemException.NotFound($"import job {id} does not exist");
    }

    /// <summary>The newest jobs first, of one dataset or of all.</summary>
    public async Task<IReadOnlyList<ImportJob>> ListAsync(string? dataset, int take, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        var query = db.ImportJobs.AsNoTracking();
        if (!string.IsNullOrEmpty(dataset))
        {
            query = query.Where(j => j.Dataset == dataset);
        }

        return await query.OrderByDescending(j => j.CreatedAt).Take(Math.Clamp(take, 1, 1000)).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Asks a job to stop: a queued one is cancelled at once, a running one stops within a second (at once when it
    /// runs in this process). A job that has already ended is a conflict.
    /// </summary>
    public async Task<ImportJob> CancelAsync(Guid id, string? by, CancellationToken cancellationToken)
    {
        var job = await UpdateAsync(id, j =>
        {
            if (j.IsFinished)
            {
                throw ProblemException.Conflict($"import job {id} has already ended ({j.State.ToString().ToLowerInvariant()}); there is nothing to cancel");
            }

            j.CancelRequested = true;
            j.CancelledBy = by;
            if (j.State == ImportJobState.Queued)
            {
                j.State = ImportJobState.Cancelled;
                j.Error = CancelledMessage(by);
                j.FinishedAt = DateTimeOffset.UtcNow;
            }
        }, cancellationToken).ConfigureAwait(false);
        if (running.TryGetValue(id, out var mine))
        {
            await mine.CancelAsync().ConfigureAwait(false);
        }

        return job;
    }

    /// <summary>
    /// Marks interrupted the jobs left queued or running by a process that is gone (on this machine: its process id no
    /// longer names the same process; elsewhere: no heartbeat for <see cref="ForeignHeartbeatTimeout"/>).
    /// </summary>
    public async Task<IReadOnlyList<ImportJob>> RecoverAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        var open = await db.ImportJobs.Where(j => j.State == ImportJobState.Queued || j.State == ImportJobState.Running)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var gone = open.Where(j => IsGone(j, now)).ToList();
        foreach (var job in gone)
        {
            job.State = ImportJobState.Interrupted;
            job.Error = $"the process that ran this import ({job.Owner ?? "unknown"}) stopped before it ended; nothing was imported: start the import again";
            job.FinishedAt = now;
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return gone;
    }

    /// <summary>The owner text of a process, as <see cref="ThisProcess"/> writes it.</summary>
    public static string OwnerOf(string machine, int processId, long startTicks) =>
        string.Create(CultureInfo.InvariantCulture, $"{machine}:{processId}:{startTicks}");

    private static ImportJob NewJob(string dataset, string source, string? startedBy) => new()
    {
        Dataset = dataset,
        Source = source.Length > ImportJob.MaxSourceLength ? source[..(ImportJob.MaxSourceLength - 1)] + "…" : source,
        StartedBy = startedBy is { Length: > 64 } ? startedBy[..64] : startedBy,
        State = ImportJobState.Queued,
        Owner = ThisProcess,
        HeartbeatAt = DateTimeOffset.UtcNow,
    };

    private static bool IsGone(ImportJob job, DateTimeOffset now)
    {
        var parts = job.Owner?.Split(':') ?? [];
        if (parts.Length != 3 || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid) ||
            !long.TryParse(parts[2], CultureInfo.InvariantCulture, out var ticks))
        {
            return job.HeartbeatAt is null || now - job.HeartbeatAt > ForeignHeartbeatTimeout;
        }

        if (!string.Equals(parts[0], Environment.MachineName, StringComparison.Ordinal))
        {
            return job.HeartbeatAt is null || now - job.HeartbeatAt > ForeignHeartbeatTimeout;
        }

        return job.Owner != ThisProcess && ProcessStart(pid) != ticks;
    }

    private static long ProcessStart(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.StartTime.ToUniversalTime().Ticks;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Win32Exception or NotSupportedException)
        {
            return -1;
        }
    }

    private static string CancelledMessage(string? by) =>
        $"cancelled{(string.IsNullOrEmpty(by) ? "" : " by " + by)}; nothing was imported";

    private static void Fail(ImportJob job, Exception e, ImportProgress latest, bool interrupted)
    {
        job.Done = latest.Done;
        job.Total = latest.Total;
        job.Skipped = latest.Skipped;
        job.FinishedAt = DateTimeOffset.UtcNow;
        if (e is OperationCanceledException)
        {
            job.State = interrupted ? ImportJobState.Interrupted : ImportJobState.Cancelled;
            job.Error = interrupted
                ? "the process running this import stopped before it ended; nothing was imported: start the import again"
                : CancelledMessage(job.CancelledBy);
        }
        else
        {
            job.State = ImportJobState.Failed;
            job.Error = e is ProblemException ? e.Message : "the import failed: " + e.Message;
        }
    }

    private async Task HeartbeatAsync(Guid id, Func<ImportProgress> latest, CancellationTokenSource cancel, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    await BeatAsync(id, latest(), cancel, stop).ConfigureAwait(false);
                }
                catch (Exception e) when (e is System.Data.Common.DbException or DbUpdateException or InvalidOperationException)
                {
                    // A missed heartbeat (the database briefly busy) is harmless: the next one carries the same news.
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The job ended.
        }
    }

    private async Task BeatAsync(Guid id, ImportProgress p, CancellationTokenSource cancel, CancellationToken stop)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        var now = DateTimeOffset.UtcNow;
        await db.ImportJobs.Where(j => j.Id == id && j.State == ImportJobState.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Done, p.Done).SetProperty(j => j.Total, p.Total)
                .SetProperty(j => j.Skipped, p.Skipped).SetProperty(j => j.HeartbeatAt, now), stop).ConfigureAwait(false);
        if (await db.ImportJobs.Where(j => j.Id == id).Select(j => j.CancelRequested).SingleAsync(stop).ConfigureAwait(false))
        {
            await cancel.CancelAsync().ConfigureAwait(false);
        }
    }

    private static async Task StopHeartbeatAsync(Task heartbeat, CancellationTokenSource stop)
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await heartbeat.ConfigureAwait(false);
    }

    // The final write must land even when the job's own tokens are cancelled.
    private async Task<ImportJob> UpdateAsync(Guid id, Action<ImportJob> change, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        var job = await db.ImportJobs.SingleOrDefaultAsync(j => j.Id == id, cancellationToken).ConfigureAwait(false)
            ?? throw ProblemException.NotFound($"import job {id} does not exist");
        change(job);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return job;
    }

    // Reports synchronously (Progress<T> would post to a captured context and could reorder updates).
    private sealed class Reporter(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
