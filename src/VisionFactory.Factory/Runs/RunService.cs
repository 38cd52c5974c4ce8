using Microsoft.EntityFrameworkCore;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Runs;
using VisionFactory.Domain.Users;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Training;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Runs;

/// <summary>
/// Queues runs and answers questions about them: the factory's front desk for the API, the UI and the CLI. Queuing,
/// cancelling and resuming need the editor role, checked here against the <see cref="Caller"/>.
/// </summary>
public sealed class RunService(VisionFactoryDb db, DatasetCatalog datasets, ArchitectureCatalog architectures, IRunDispatcher queue, RunLeases leases, Caller caller)
{
    /// <summary>
    /// Queues the run a request describes, from whichever door it came (API, CLI, Factory page): the dataset is
    /// required, and every setting is checked before anything is stored.
    /// </summary>
    public Task<TrainingRun> EnqueueAsync(TrainingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        caller.Require(Role.Editor, "start a training run");
        return EnqueueAsync(request.RequiredDataset(), request.ToSpec(), null, cancellationToken);
    }

    /// <summary>Checks everything that can be checked now, stores the run as queued and hands it to the queue.</summary>
    public async Task<TrainingRun> EnqueueAsync(string datasetName, TrainingSpec spec, string? sweepId, CancellationToken cancellationToken)
    {
        caller.Require(Role.Editor, "start a training run");
        var run = await PrepareAsync(datasetName, spec, sweepId, cancellationToken).ConfigureAwait(false);
        db.Runs.Add(run);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        queue.Enqueue(run.Id);
        return run;
    }

    /// <summary>A validated run, not yet stored: a mistake is a 400 / 404 now rather than a failed run later.</summary>
    public async Task<TrainingRun> PrepareAsync(string datasetName, TrainingSpec spec, string? sweepId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Validate() is { Count: > 0 } problems)
        {
            throw ProblemException.Invalid(string.Join("; ", problems));
        }

        var architecture = architectures.Get(spec.Architecture);
        ClassifierTrainer.CheckArchitecture(spec, architecture);
        if (spec.Mode == TrainingMode.Head && !architecture.HasBundledWeights
            && !await db.ImportedWeights.AnyAsync(w => w.Architecture == architecture.Name, cancellationToken).ConfigureAwait(false))
        {
            throw ClassifierTrainer.NoPretrainedWeights(architecture.Name);
        }

        var version = await datasets.GetVersionAsync(datasetName, null, withItems: false, cancellationToken).ConfigureAwait(false);
        if (version.Classes.Count < 2)
        {
            throw ProblemException.Invalid(
                $"{datasetName} has {version.Classes.Count} class; a classifier needs at least two: add a folder of images for another class");
        }

        // Refused now rather than failing in the worker: without validation and test images there is nothing to check a model on.
        var counts = await datasets.ClassCountsAsync(version, cancellationToken).ConfigureAwait(false);
        if (SplitCoverage.TrainingProblem(datasetName, version.Number, counts, version.Split) is { } splitProblem)
        {
            throw ProblemException.Invalid(splitProblem);
        }

        return new TrainingRun
        {
            Id = TrainingRun.NewId(),
            SweepId = sweepId,
            DatasetName = datasetName,
            DatasetVersionId = version.Id,
            Spec = spec.ToSpec(),
            State = RunState.Queued,
        };
    }

    public async Task<TrainingRun> GetAsync(string id, CancellationToken cancellationToken) =>
        await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, cancellationToken).ConfigureAwait(false)
        ?? throw ProblemException.NotFound($"run '{id}' does not exist; 'vf runs list' or GET /api/runs lists the runs");

    /// <summary>Runs, newest first, optionally of one state or sweep.</summary>
    public async Task<List<TrainingRun>> ListAsync(RunState? state, string? sweepId, int skip, int take, CancellationToken cancellationToken)
    {
        var query = db.Runs.AsNoTracking();
        if (state is { } s)
        {
            query = query.Where(r => r.State == s);
        }

        if (sweepId is not null)
        {
            query = query.Where(r => r.SweepId == sweepId);
        }

        return await query.OrderByDescending(r => r.CreatedAt).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 1000))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Metric points after <paramref name="afterId"/> (0 for all), oldest first.</summary>
    public async Task<List<MetricPoint>> MetricsAsync(string runId, MetricKind? kind, long afterId, CancellationToken cancellationToken)
    {
        var query = db.Metrics.AsNoTracking().Where(m => m.RunId == runId && m.Id > afterId);
        if (kind is { } k)
        {
            query = query.Where(m => m.Kind == k);
        }

        return await query.OrderBy(m => m.Id).Take(10_000).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Cancels a run: a queued or interrupted one at once; a running one is stopped by its worker within a few
    /// seconds, keeping its last checkpoint.
    /// </summary>
    public async Task<TrainingRun> CancelAsync(string id, CancellationToken cancellationToken)
    {
        caller.Require(Role.Editor, "cancel a run");
        var run = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (run.State.IsFinal())
        {
            throw ProblemException.Conflict($"run {id} has already {Describe(run.State)}; only queued, running or interrupted runs can be cancelled");
        }

        var now = DateTimeOffset.UtcNow;
        await db.Runs.Where(r => r.Id == id && (r.State == RunState.Queued || r.State == RunState.Interrupted))
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.State, RunState.Cancelled)
                    .SetProperty(r => r.CancelRequested, true)
                    .SetProperty(r => r.Reason, "cancelled on request before it ran")
                    .SetProperty(r => r.FinishedAt, now),
                cancellationToken)
            .ConfigureAwait(false);
        await db.Runs.Where(r => r.Id == id && r.State == RunState.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.CancelRequested, true), cancellationToken)
            .ConfigureAwait(false);
        return await GetAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Queues a cancelled, failed or interrupted run again: it continues from its last checkpoint, with a fresh count
    /// of crashes.
    /// </summary>
    public async Task<TrainingRun> ResumeAsync(string id, CancellationToken cancellationToken)
    {
        caller.Require(Role.Editor, "resume a run");
        // A run whose worker died while no server was up to notice (a killed 'vf train --wait') is interrupted now.
        foreach (var reaped in await leases.ReapExpiredAsync(cancellationToken).ConfigureAwait(false))
        {
            queue.Enqueue(reaped);
        }

        var run = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        var changed = await db.Runs
            .Where(r => r.Id == id && (r.State == RunState.Cancelled || r.State == RunState.Failed || r.State == RunState.Interrupted))
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.State, RunState.Queued)
                    .SetProperty(r => r.CancelRequested, false)
                    .SetProperty(r => r.Crashes, 0)
                    .SetProperty(r => r.Reason, (string?)null)
                    .SetProperty(r => r.FinishedAt, (DateTimeOffset?)null),
                cancellationToken)
            .ConfigureAwait(false);
        if (changed == 0)
        {
            throw ProblemException.Conflict($"run {id} is {run.State.ToString().ToLowerInvariant()}; only cancelled, failed or interrupted runs can be resumed");
        }

        queue.Enqueue(id);
        return await GetAsync(id, cancellationToken).ConfigureAwait(false);
    }

    private static string Describe(RunState state) => state switch
    {
        RunState.Succeeded => "succeeded",
        RunState.Failed => "failed",
        RunState.Cancelled => "been cancelled",
        RunState.Running => "running",
        RunState.Queued => "queued",
        _ => "interrupted",
    };
}
