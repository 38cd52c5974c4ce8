using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain.Runs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Runs;

/// <summary>
/// Leases on runs: which worker may train a run and write to it. Every write a worker makes goes through
/// <see cref="WriteAsync"/> or <see cref="Write"/>, which first updates the run's row on the condition that the
/// fencing token is still the worker's, in the same transaction as the write. A worker that lost its lease (stopped
/// past its expiry, or cut off) therefore writes nothing, and two workers never write the same run.
/// </summary>
public sealed class RunLeases(IDbContextFactory<VisionFactoryDb> contexts, FactoryOptions options, TimeProvider clock)
{
    public string Owner => options.WorkerName;

    /// <summary>Takes a queued or interrupted run; returns the new fencing token, or null when the run is not available.</summary>
    public async Task<long?> TryAcquireAsync(string runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var expires = now + options.LeaseDuration;
        var owner = Owner;
        var taken = await db.Runs
            .Where(r => r.Id == runId && !r.CancelRequested && (r.State == RunState.Queued || r.State == RunState.Interrupted))
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.State, RunState.Running)
                    .SetProperty(r => r.LeaseOwner, owner)
                    .SetProperty(r => r.LeaseExpiresAt, expires)
                    .SetProperty(r => r.HeartbeatAt, now)
                    .SetProperty(r => r.FencingToken, r => r.FencingToken + 1)
                    .SetProperty(r => r.Attempts, r => r.Attempts + 1)
                    .SetProperty(r => r.Reason, (string?)null)
                    .SetProperty(r => r.StartedAt, r => r.StartedAt ?? now),
                cancellationToken)
            .ConfigureAwait(false);
        if (taken == 0)
        {
            return null;
        }

        // Nobody else can take a running run before its lease expires, so the token read back is ours.
        return await db.Runs.Where(r => r.Id == runId).Select(r => r.FencingToken).SingleAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Extends the lease; returns null when it was lost, else whether a cancel was requested.</summary>
    public async Task<bool?> RenewAsync(string runId, long token, RunProgress? progress, MetricPoint? point, CancellationToken cancellationToken)
    {
        var cancel = false;
        try
        {
            await WriteAsync(runId, token, db =>
            {
                if (progress is not null)
                {
                    db.Runs.Where(r => r.Id == runId).ExecuteUpdate(s => s.SetProperty(r => r.Progress, progress));
                }

                if (point is not null && !db.Metrics.Any(m => m.RunId == runId && m.Kind == point.Kind && m.Epoch == point.Epoch && m.Step == point.Step))
                {
                    db.Metrics.Add(point);
                }

                cancel = db.Runs.Where(r => r.Id == runId).Select(r => r.CancelRequested).Single();
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            return null;
        }

        return cancel;
    }

    /// <summary>Runs <paramref name="write"/> and saves its changes only while the lease is still this worker's.</summary>
    /// <exception cref="LeaseLostException">The lease is no longer this worker's; nothing was written.</exception>
    public async Task WriteAsync(string runId, long token, Action<VisionFactoryDb> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var now = clock.GetUtcNow();
            var expires = now + options.LeaseDuration;
            var held = await db.Runs
                .Where(r => r.Id == runId && r.FencingToken == token && r.State == RunState.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.HeartbeatAt, now).SetProperty(r => r.LeaseExpiresAt, expires), cancellationToken)
                .ConfigureAwait(false);
            if (held == 0)
            {
                throw new LeaseLostException(runId, token);
            }

            write(db);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The synchronous form of <see cref="WriteAsync"/>, for the training thread.</summary>
    public void Write(string runId, long token, Action<VisionFactoryDb> write) =>
        WriteAsync(runId, token, write, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Ends the lease with a final state; false when the lease had already been lost.</summary>
    public async Task<bool> ReleaseAsync(
        string runId, long token, RunState state, string? reason, Action<VisionFactoryDb>? alsoWrite, CancellationToken cancellationToken)
    {
        try
        {
            var now = clock.GetUtcNow();
            await WriteAsync(runId, token, db =>
            {
                alsoWrite?.Invoke(db);
                db.Runs.Where(r => r.Id == runId).ExecuteUpdate(s => s
                    .SetProperty(r => r.State, state)
                    .SetProperty(r => r.Reason, reason)
                    .SetProperty(r => r.LeaseOwner, (string?)null)
                    .SetProperty(r => r.LeaseExpiresAt, (DateTimeOffset?)null)
                    .SetProperty(r => r.FinishedAt, state.IsFinal() ? now : null));
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (LeaseLostException)
        {
            return false;
        }
    }

    /// <summary>
    /// Finds runs whose worker stopped renewing its lease and makes them available again, or fails them as poison
    /// after <see cref="TrainingRun.MaxCrashes"/> such crashes. Returns the ids to queue again.
    /// </summary>
    public async Task<List<string>> ReapExpiredAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var expired = await db.Runs.AsNoTracking()
            .Where(r => r.State == RunState.Running && r.LeaseExpiresAt < now)
            .Select(r => new { r.Id, r.FencingToken, r.Crashes, r.LeaseOwner, r.CancelRequested })
            .ToListAsync(cancellationToken).ConfigureAwait(false);

        var requeue = new List<string>();
        foreach (var run in expired)
        {
            var crashes = run.Crashes + 1;
            var (state, reason) = run.CancelRequested
                ? (RunState.Cancelled, "cancelled; its worker stopped before it could stop the run")
                : crashes >= TrainingRun.MaxCrashes
                    ? (RunState.Failed, $"poison: the run's worker died {crashes} times while training it (last: {run.LeaseOwner}); resume it to try again")
                    : (RunState.Interrupted, $"its worker {run.LeaseOwner} stopped renewing its lease; continuing from the last checkpoint");
            DateTimeOffset? finished = state.IsFinal() ? now : null;

            // Conditional on the token seen: if the worker came back and renewed meanwhile, or another reaper got here
            // first, nothing changes.
            var changed = await db.Runs
                .Where(r => r.Id == run.Id && r.FencingToken == run.FencingToken && r.State == RunState.Running && r.LeaseExpiresAt < now)
                .ExecuteUpdateAsync(
                    s => s.SetProperty(r => r.State, state)
                        .SetProperty(r => r.Reason, reason)
                        .SetProperty(r => r.Crashes, crashes)
                        .SetProperty(r => r.LeaseOwner, (string?)null)
                        .SetProperty(r => r.LeaseExpiresAt, (DateTimeOffset?)null)
                        .SetProperty(r => r.FinishedAt, finished),
                    cancellationToken)
                .ConfigureAwait(false);
            if (changed == 1 && state == RunState.Interrupted)
            {
                requeue.Add(run.Id);
            }
        }

        return requeue;
    }
}
