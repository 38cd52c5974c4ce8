using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VisionFactory.Datasets.Review;
using VisionFactory.Domain;

namespace VisionFactory.Factory.Review;

/// <summary>A review running or finished in this process.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Version">The version under review.</param>
/// <param name="State">running, succeeded or failed.</param>
/// <param name="Progress">The latest progress.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="StartedAt">When it started.</param>
public sealed record ReviewJobStatus(string Dataset, int Version, string State, ReviewProgress? Progress, string? Error, DateTimeOffset StartedAt);

/// <summary>
/// Runs reviews in the background, one at a time per dataset, and keeps their progress for whoever asks (the API, the
/// Review page). The report itself is stored in the database by the reviewer, so it outlives this process.
/// </summary>
public sealed partial class ReviewJobs(IServiceScopeFactory scopes, ILogger<ReviewJobs> log, TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<string, Job> jobs = new(StringComparer.Ordinal);
    private readonly Lock starting = new();
    private readonly CancellationTokenSource stopping = new();

    /// <summary>Raised (on a background thread) whenever a review reports progress or ends.</summary>
    public event Action<ReviewJobStatus>? Changed;

    /// <summary>
    /// Starts a review of <paramref name="version"/>, or returns the one already running for the dataset; the
    /// <paramref name="caller"/> needs the editor role (a review writes measures and findings).
    /// </summary>
    public ReviewJobStatus Start(Domain.Users.Caller caller, string dataset, int version, ReviewOptions options)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.Require(Domain.Users.Role.Editor, "review a dataset");
        // A lock rather than AddOrUpdate, whose factories may run twice and so start two reviews.
        lock (starting)
        {
            if (jobs.TryGetValue(dataset, out var existing) && existing.Status.State == "running")
            {
                return existing.Status;
            }

            var job = Launch(dataset, version, options);
            jobs[dataset] = job;
            return job.Status;
        }
    }

    /// <summary>The running or last review of a dataset in this process, or null.</summary>
    public ReviewJobStatus? Get(string dataset) => jobs.TryGetValue(dataset, out var job) ? job.Status : null;

    /// <summary>Waits for the dataset's review to end (for tests and the CLI).</summary>
    public Task WaitAsync(string dataset) => jobs.TryGetValue(dataset, out var job) ? job.Completion : Task.CompletedTask;

    public void Dispose()
    {
        stopping.Cancel();
        stopping.Dispose();
    }

    private Job Launch(string dataset, int version, ReviewOptions options)
    {
        var job = new Job(new ReviewJobStatus(dataset, version, "running", null, null, time.GetUtcNow()));
        job.Completion = Task.Run(() => RunAsync(job, dataset, version, options));
        return job;
    }

    private async Task RunAsync(Job job, string dataset, int version, ReviewOptions options)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var reviewer = scope.ServiceProvider.GetRequiredService<DatasetReviewer>();
            var progress = new Relay(p => Update(job, job.Status with { Progress = p }));
            await reviewer.ReviewAsync(dataset, version, options, progress, stopping.Token).ConfigureAwait(false);
            Update(job, job.Status with { State = "succeeded" });
        }
        catch (ProblemException e)
        {
            Update(job, job.Status with { State = "failed", Error = e.Message });
        }
        catch (OperationCanceledException)
        {
            Update(job, job.Status with { State = "failed", Error = "the review was stopped because the server shut down; start it again" });
        }
#pragma warning disable CA1031 // A background job must record every failure rather than lose it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogFailed(log, e, dataset, version);
            Update(job, job.Status with { State = "failed", Error = "the review failed: " + e.Message });
        }
    }

    private void Update(Job job, ReviewJobStatus status)
    {
        job.Status = status;
        Changed?.Invoke(status);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Review of {Dataset} version {Version} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string dataset, int version);

    private sealed class Job(ReviewJobStatus status)
    {
        public ReviewJobStatus Status { get; set; } = status;

        public Task Completion { get; set; } = Task.CompletedTask;
    }

    private sealed class Relay(Action<ReviewProgress> report) : IProgress<ReviewProgress>
    {
        public void Report(ReviewProgress value) => report(value);
    }
}
