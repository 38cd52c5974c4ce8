using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using VisionFactory.Domain;
using VisionFactory.Domain.Runs;
using VisionFactory.Factory.Training;
using VisionFactory.Storage;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Runs;

/// <summary>
/// Trains one run under its lease: the job a worker executes for a run id. Safe to call for any run at any time:
/// a run that is not available (running elsewhere, finished, cancelled) is left alone.
/// </summary>
public sealed partial class RunExecutor(
    IDbContextFactory<VisionFactoryDb> contexts,
    RunLeases leases,
    ThreadBudget budget,
    TrainingService training,
    IRunDispatcher queue,
    RunEvents events,
    DataDirectory data,
    FactoryOptions options,
    ILogger<RunExecutor> logger)
{
    private enum StopReason
    {
        None,
        Shutdown,
        Cancel,
        LeaseLost,
    }

    /// <summary>Trains the run if it is available; returns once it has ended here, whatever the outcome.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="cancellationToken">Cancelled when this worker shuts down: the run checkpoints and is queued again.</param>
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task ExecuteAsync(string runId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(runId, cancellationToken).ConfigureAwait(false) is not { State: RunState.Queued or RunState.Interrupted } waiting)
        {
            return;
        }

        using var permit = await budget.AcquireAsync(budget.ThreadsFor(waiting.Spec.Threads), cancellationToken).ConfigureAwait(false);
        var threads = budget.ThreadsFor(waiting.Spec.Threads);
        if (await leases.TryAcquireAsync(runId, cancellationToken).ConfigureAwait(false) is not { } token)
        {
            return;
        }

        var run = (await LoadAsync(runId, CancellationToken.None).ConfigureAwait(false))!;
        LogStarted(logger, runId, token, run.CheckpointEpoch, run.CheckpointStep);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var heartbeatStop = new CancellationTokenSource();
        var reason = StopReason.None;
        var tracker = new RunProgressTracker(runId, token, events);
        var heartbeat = HeartbeatAsync(runId, token, tracker, r => { reason = r; stop.Cancel(); }, heartbeatStop.Token);
        var journal = new RunJournal(leases, data, runId, token, run.CheckpointPath);
        try
        {
            journal.ForgetStepsAfterCheckpoint(run.CheckpointEpoch, run.CheckpointStep);
            var spec = run.Spec with { Threads = threads };
            var model = await training.TrainVersionAsync(run.DatasetVersionId, spec, tracker, journal, stop.Token).ConfigureAwait(false);

            // The last epoch's metrics are recorded with its checkpoint: wait for it before the run is called done.
            journal.Flush();
            await StopHeartbeatAsync(heartbeat, heartbeatStop).ConfigureAwait(false);
            // The final progress is stored too: a run shorter than a heartbeat would otherwise have none.
            var final = tracker.Final;
            var stored = await leases.ReleaseAsync(runId, token, RunState.Succeeded, null, db =>
            {
                db.Models.Add(model);
                db.Runs.Where(r => r.Id == runId).ExecuteUpdate(s => s.SetProperty(r => r.ModelId, model.Id).SetProperty(r => r.Progress, final));
            }, CancellationToken.None).ConfigureAwait(false);
            if (stored)
            {
                LogSucceeded(logger, runId, model.Id);

                // The model is stored; the checkpoints that led to it are no longer needed.
                var checkpoints = Path.Combine(data.CheckpointsPath, runId);
                if (Directory.Exists(checkpoints))
                {
                    Directory.Delete(checkpoints, recursive: true);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // An end-of-epoch checkpoint still being written is kept: it is the one a resumed run starts from.
            try
            {
                journal.Flush();
            }
            catch (LeaseLostException)
            {
                reason = StopReason.LeaseLost;
            }

            await StopHeartbeatAsync(heartbeat, heartbeatStop).ConfigureAwait(false);
            await StoppedAsync(runId, token, cancellationToken.IsCancellationRequested && reason == StopReason.None ? StopReason.Shutdown : reason)
                .ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            LogLeaseLost(logger, runId, token);
        }
        catch (ProblemException e)
        {
            await FailAsync(runId, token, e.Message).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // One broken run must not stop the worker; the run records what went wrong.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogCrashed(logger, runId, e);
            await FailAsync(runId, token, $"training failed unexpectedly: {e.Message}").ConfigureAwait(false);
        }
        finally
        {
            await StopHeartbeatAsync(heartbeat, heartbeatStop).ConfigureAwait(false);
        }
    }

    private async Task StoppedAsync(string runId, long token, StopReason reason)
    {
        switch (reason)
        {
            case StopReason.Cancel:
                await leases.ReleaseAsync(runId, token, RunState.Cancelled, "cancelled on request; it keeps its last checkpoint and can be resumed", null, CancellationToken.None)
                    .ConfigureAwait(false);
                LogCancelled(logger, runId);
                break;
            case StopReason.LeaseLost:
                LogLeaseLost(logger, runId, token);
                break;
            default:
                if (await leases.ReleaseAsync(runId, token, RunState.Interrupted, "its worker shut down; continuing from the last checkpoint", null, CancellationToken.None)
                    .ConfigureAwait(false))
                {
                    queue.Enqueue(runId);
                }

                break;
        }
    }

    private async Task FailAsync(string runId, long token, string message)
    {
        if (await leases.ReleaseAsync(runId, token, RunState.Failed, message, null, CancellationToken.None).ConfigureAwait(false))
        {
            LogFailed(logger, runId, message);
        }
        else
        {
            // The failure was this worker's own (e.g. its database session ended while it was stopped): the run had
            // already been taken over, and stays with its new holder.
            LogLeaseLost(logger, runId, token);
        }
    }

    private async Task HeartbeatAsync(string runId, long token, RunProgressTracker tracker, Action<StopReason> stop, CancellationToken cancellationToken)
    {
        var cancelSeen = false;
        using var timer = new PeriodicTimer(options.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var (progress, point) = tracker.Take();
                bool? renewed;
                try
                {
                    renewed = await leases.RenewAsync(runId, token, progress, point, CancellationToken.None).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A busy or unreachable database is retried on the next beat; the lease tells when it is too late.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    LogHeartbeatFailed(logger, runId, e);
                    continue;
                }

                if (renewed is null)
                {
                    stop(StopReason.LeaseLost);
                    return;
                }

                if (renewed == true && !cancelSeen)
                {
                    cancelSeen = true;
                    stop(StopReason.Cancel);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Training ended; the caller writes the final state.
        }
    }

    private static async Task StopHeartbeatAsync(Task heartbeat, CancellationTokenSource heartbeatStop)
    {
        await heartbeatStop.CancelAsync().ConfigureAwait(false);
        await heartbeat.ConfigureAwait(false);
    }

    private async Task<TrainingRun?> LoadAsync(string runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} started (fencing token {Token}) from epoch {Epoch}, step {Step}")]
    private static partial void LogStarted(ILogger logger, string runId, long token, int epoch, int step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} succeeded: model {ModelId}")]
    private static partial void LogSucceeded(ILogger logger, string runId, string modelId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} cancelled")]
    private static partial void LogCancelled(ILogger logger, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: lease with token {Token} lost; this worker stops writing to it")]
    private static partial void LogLeaseLost(ILogger logger, string runId, long token);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: heartbeat failed, retrying")]
    private static partial void LogHeartbeatFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} failed unexpectedly")]
    private static partial void LogCrashed(ILogger logger, string runId, Exception exception);
}
