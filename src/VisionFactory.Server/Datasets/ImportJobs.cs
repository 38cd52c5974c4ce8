using System.Collections.Concurrent;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;

namespace VisionFactory.Server.Datasets;

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
    DateTimeOffset? FinishedAt)
{
    public bool Finished => State is ImportJobs.Succeeded or ImportJobs.Failed;
}

/// <summary>
/// Imports run in the background (uploads, server folders, standard formats, web addresses): each gets an id whose
/// progress and final summary (imported, skipped with reasons, the new version) can be read while and after it runs.
/// Jobs live in memory for the server's lifetime (the most recent 200 are kept); an interrupted job leaves nothing
/// half-imported, since a version is only written when its import succeeds.
/// </summary>
public sealed partial class ImportJobs(IServiceScopeFactory scopes, ILogger<ImportJobs> logger) : IDisposable
{
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    private const int Kept = 200;
    private const int SkippedShown = 200;

    private readonly ConcurrentDictionary<Guid, ImportJobStatus> jobs = new();
    private readonly CancellationTokenSource stopping = new();

    /// <summary>Raised on progress (at most every 200 ms per job) and when a job ends.</summary>
    public event Action<ImportJobStatus>? Changed;

    public delegate Task<DatasetVersion> ImportWork(IServiceProvider services, IProgress<ImportProgress> progress, CancellationToken cancellationToken);

    /// <summary>Starts <paramref name="work"/>; <paramref name="cleanup"/> runs when it ends, whatever the outcome.</summary>
    public ImportJobStatus Start(string dataset, string source, ImportWork work, Action? cleanup = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        var status = new ImportJobStatus(Guid.NewGuid(), dataset, source, Running, 0, 0, 0, null, null, null, null, [], null, DateTimeOffset.UtcNow, null);
        jobs[status.Id] = status;
        Trim();
        _ = Task.Run(() => RunAsync(status, work, cleanup));
        return status;
    }

    public ImportJobStatus Get(Guid id) =>
        jobs.TryGetValue(id, out var status) ? status : throw ProblemException.NotFound($"import job {id} does not exist (jobs are kept until the server restarts)");

    public IReadOnlyList<ImportJobStatus> List(string? dataset) =>
        jobs.Values.Where(j => dataset is null || j.Dataset == dataset).OrderByDescending(j => j.StartedAt).ToList();

    public void Dispose()
    {
        stopping.Cancel();
        stopping.Dispose();
    }

    private async Task RunAsync(ImportJobStatus start, ImportWork work, Action? cleanup)
    {
        var lastReport = DateTime.MinValue;
        var progress = new Reporter(p =>
        {
            var current = jobs[start.Id] with { Done = p.Done, Total = p.Total, Skipped = p.Skipped, Current = p.CurrentFile };
            jobs[start.Id] = current;
            if (DateTime.UtcNow - lastReport > TimeSpan.FromMilliseconds(200) || p.Done == p.Total)
            {
                lastReport = DateTime.UtcNow;
                Changed?.Invoke(current);
            }
        });
        ImportJobStatus final;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var version = await work(scope.ServiceProvider, progress, stopping.Token).ConfigureAwait(false);
            final = jobs[start.Id] with
            {
                State = Succeeded,
                Version = version.Number,
                Imported = version.Import.Imported,
                Duplicates = version.Import.Duplicates.Sum(d => d.Paths.Count - 1),
                Skipped = version.Import.Skipped.Count,
                SkippedFiles = version.Import.Skipped.Take(SkippedShown).ToList(),
                Current = null,
                FinishedAt = DateTimeOffset.UtcNow,
            };
        }
        catch (ProblemException e)
        {
            final = jobs[start.Id] with { State = Failed, Error = e.Message, Current = null, FinishedAt = DateTimeOffset.UtcNow };
        }
        catch (OperationCanceledException)
        {
            final = jobs[start.Id] with { State = Failed, Error = "the server stopped before the import ended; nothing was imported", FinishedAt = DateTimeOffset.UtcNow };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or InvalidDataException)
        {
            LogFailed(logger, e, start.Id, start.Dataset);
            final = jobs[start.Id] with { State = Failed, Error = "the import failed: " + e.Message, FinishedAt = DateTimeOffset.UtcNow };
        }
        finally
        {
            cleanup?.Invoke();
        }

        jobs[start.Id] = final;
        Changed?.Invoke(final);
    }

    private void Trim()
    {
        foreach (var old in jobs.Values.Where(j => j.Finished).OrderByDescending(j => j.StartedAt).Skip(Kept))
        {
            jobs.TryRemove(old.Id, out _);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Import job {Id} into {Dataset} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, Guid id, string dataset);

    // Reports synchronously (Progress<T> would post to a captured context and could reorder updates).
    private sealed class Reporter(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
