using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;

namespace VisionFactory.Datasets.Jobs;

/// <summary>Where an import job stands; <see cref="SkippedFiles"/> holds the first skipped files with their reasons.</summary>
public sealed record ImportJobStatus(
    Guid Id,
    string Dataset,
    string Source,
    string State,
    int Done,
    int Total,
    int Skipped,
    string? Current,
    int? Version,
    int? Imported,
    int? Duplicates,
    IReadOnlyList<SkippedFile> SkippedFiles,
    string? Error,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string? StartedBy = null,
    bool CancelRequested = false,
    DateTimeOffset? CreatedAt = null)
{
    public bool Finished => State is ImportJobs.Succeeded or ImportJobs.Failed or ImportJobs.Cancelled or ImportJobs.Interrupted;

    public static ImportJobStatus Of(ImportJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new(job.Id, job.Dataset, job.Source, ImportJobs.Name(job.State), job.Done, job.Total, job.Skipped, null, job.Version,
            job.Imported, job.Duplicates, job.SkippedFiles, job.Error, job.StartedAt ?? job.CreatedAt, job.FinishedAt, job.StartedBy,
            job.CancelRequested, job.CreatedAt);
    }
}

/// <summary>
/// Imports run in the background (uploads, server folders, standard formats, web addresses, searches, remote servers,
/// the inbox): each is recorded in the database (<see cref="ImportJobRunner"/>), so its progress and final summary
/// (imported, skipped with reasons, the new version) can be read from any page or process, it can be cancelled, and
/// a job the host was running when it stopped or died shows as interrupted. A version is only written when its import
/// succeeds, so a job that did not succeed left nothing half-imported.
/// </summary>
public sealed partial class ImportJobs(IServiceScopeFactory scopes, ILogger<ImportJobs> logger) : IDisposable
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string Interrupted = "interrupted";

    private readonly ImportJobRunner runner = new(scopes);
    private readonly ConcurrentDictionary<Guid, ImportJobStatus> active = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<Guid, Task> runs = new();

    /// <summary>Raised on progress (at most every 200 ms per job) and when a job ends.</summary>
    public event Action<ImportJobStatus>? Changed;

    public delegate Task<DatasetVersion> ImportWork(IServiceProvider services, IProgress<ImportProgress> progress, CancellationToken cancellationToken);

    /// <summary>
    /// Records and starts <paramref name="work"/>; <paramref name="cleanup"/> runs when it ends, whatever the outcome
    /// (at once when the job is refused). <paramref name="startedBy"/> needs the editor role (nobody: refused).
    /// </summary>
    public ImportJobStatus Start(string dataset, string source, ImportWork work, Action? cleanup = null, Domain.Users.Caller? startedBy = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        ImportJob job;
        try
        {
            var caller = startedBy ?? new Domain.Users.Caller();
            caller.Require(Domain.Users.Role.Editor, "import images into a dataset");
            job = runner.Create(dataset, source, caller.Name);
        }
        catch
        {
            cleanup?.Invoke();
            throw;
        }

        var status = ImportJobStatus.Of(job);
        active[job.Id] = status;
        runs[job.Id] = Task.Run(() => RunAsync(status, work, cleanup));
        return status;
    }

    /// <summary>One job: live progress while this host runs it, else its record.</summary>
    public async Task<ImportJobStatus> GetAsync(Guid id, CancellationToken cancellationToken) =>
        active.TryGetValue(id, out var status) ? status : ImportJobStatus.Of(await runner.GetAsync(id, cancellationToken).ConfigureAwait(false));

    /// <summary>The newest jobs first (of one dataset, or all), with live progress for those this host runs.</summary>
    public async Task<IReadOnlyList<ImportJobStatus>> ListAsync(string? dataset, int take, CancellationToken cancellationToken)
    {
        var jobs = await runner.ListAsync(dataset, take, cancellationToken).ConfigureAwait(false);
        return jobs.Select(j => active.TryGetValue(j.Id, out var live) ? live : ImportJobStatus.Of(j)).ToList();
    }

    /// <summary>
    /// Asks a queued or running job to stop; nothing it read is kept and no version is made. <paramref name="by"/>
    /// needs the editor role.
    /// </summary>
    public async Task<ImportJobStatus> CancelAsync(Guid id, Domain.Users.Caller by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        by.Require(Domain.Users.Role.Editor, "cancel an import");
        var job = await runner.CancelAsync(id, by.Name, cancellationToken).ConfigureAwait(false);
        if (active.TryGetValue(id, out var live))
        {
            var marked = live with { CancelRequested = true };
            active.TryUpdate(id, marked, live);
            return marked;
        }

        return ImportJobStatus.Of(job);
    }

    /// <summary>Marks interrupted the jobs a stopped or crashed process left running.</summary>
    public Task<IReadOnlyList<ImportJob>> RecoverAsync(CancellationToken cancellationToken) => runner.RecoverAsync(cancellationToken);

    /// <summary>Stops the jobs this host runs (they end interrupted) and waits for their records to be written.</summary>
    public async Task StopAsync(TimeSpan wait)
    {
        try
        {
            await stopping.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The container was disposed first: Dispose cancelled the jobs already.
        }

        await Task.WhenAll(runs.Values).WaitAsync(wait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose()
    {
        stopping.Cancel();
        stopping.Dispose();
    }

    internal static string Name(ImportJobState state) => state.ToString().ToLowerInvariant();

    private async Task RunAsync(ImportJobStatus start, ImportWork work, Action? cleanup)
    {
        var lastReport = DateTime.MinValue;
        var progress = new Reporter(p =>
        {
            if (!active.TryGetValue(start.Id, out var before))
            {
                return;
            }

            var current = before with { State = Running, Done = p.Done, Total = p.Total, Skipped = p.Skipped, Current = p.CurrentFile };
            active[start.Id] = current;
            if (DateTime.UtcNow - lastReport > TimeSpan.FromMilliseconds(200) || p.Done == p.Total)
            {
                lastReport = DateTime.UtcNow;
                Changed?.Invoke(current);
            }
        });
        ImportJobStatus final;
        try
        {
            active[start.Id] = start with { State = Running };
            var outcome = await runner.RunAsync(start.Id, (s, p, ct) => work(s, p, ct), progress, CancellationToken.None, stopping.Token).ConfigureAwait(false);
            if (outcome.Failure is { } failure and not ProblemException and not OperationCanceledException)
            {
                LogFailed(logger, failure, start.Id, start.Dataset);
            }

            final = ImportJobStatus.Of(outcome.Job);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or Microsoft.EntityFrameworkCore.DbUpdateException or ObjectDisposedException)
        {
            // The record could not be written (e.g. the host is shutting down under it): show the failure in memory.
            LogFailed(logger, e, start.Id, start.Dataset);
            final = start with { State = Failed, Error = "the import job could not be recorded: " + e.Message, FinishedAt = DateTimeOffset.UtcNow };
        }
        finally
        {
            cleanup?.Invoke();
        }

        active.TryRemove(start.Id, out _);
        runs.TryRemove(start.Id, out _);
        Changed?.Invoke(final);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Import job {Id} into {Dataset} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, Guid id, string dataset);

    // Reports synchronously (Progress<T> would post to a captured context and could reorder updates).
    private sealed class Reporter(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
