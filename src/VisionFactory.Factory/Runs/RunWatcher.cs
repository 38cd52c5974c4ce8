using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain;
using VisionFactory.Domain.Runs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Runs;

/// <summary>A change in a run seen by a watcher: its state and latest progress, and metric points new since the last update.</summary>
public sealed record RunUpdate(
    string Run,
    RunState State,
    RunProgress? Progress,
    IReadOnlyList<MetricPoint> Points,
    string? Model,
    string? Reason);

/// <summary>
/// Follows a run wherever it trains: reads the shared database (so a run on another machine is seen too) and wakes
/// at once when a run in this process reports. Ends after the update that shows a final state.
/// </summary>
public sealed class RunWatcher(IDbContextFactory<VisionFactoryDb> contexts, RunEvents events)
{
    /// <param name="runId">The run.</param>
    /// <param name="interval">How often the database is read when nothing local wakes the watcher.</param>
    /// <param name="afterPointId">Only metric points after this id are reported (0: all of them).</param>
    /// <param name="cancellationToken">Ends the watch.</param>
    public async IAsyncEnumerable<RunUpdate> WatchAsync(
        string runId, TimeSpan interval, long afterPointId = 0, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var wake = new SemaphoreSlim(0);
        using var listening = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var local = new LocalProgress();
        var listener = ListenAsync(runId, wake, local, listening.Token);
        try
        {
            var cursor = afterPointId;
            RunProgress? lastProgress = null;
            RunState? lastState = null;
            while (true)
            {
                TrainingRun run;
                List<MetricPoint> points;
                await using (var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
                {
                    run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId, cancellationToken).ConfigureAwait(false)
                        ?? throw ProblemException.NotFound($"run '{runId}' does not exist; 'vf runs list' lists the runs");
                    points = await db.Metrics.AsNoTracking().Where(m => m.RunId == runId && m.Id > cursor).OrderBy(m => m.Id)
                        .ToListAsync(cancellationToken).ConfigureAwait(false);
                }

                // A run training in this process reports every step; the database sees it once a heartbeat.
                var progress = run.State == RunState.Running && local.Latest is { } fresh ? fresh : run.Progress;
                if (points.Count > 0 || run.State != lastState || progress != lastProgress)
                {
                    cursor = points.Count > 0 ? points[^1].Id : cursor;
                    lastState = run.State;
                    lastProgress = progress;
                    yield return new RunUpdate(run.Id, run.State, progress, points, run.ModelId, run.Reason);
                }

                if (run.State.IsFinal())
                {
                    yield break;
                }

                // At most a few updates a second, however fast the steps are.
                await Task.Delay(MinimumGap, cancellationToken).ConfigureAwait(false);
                await wake.WaitAsync(interval, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await listening.CancelAsync().ConfigureAwait(false);
            await listener.ConfigureAwait(false);
        }
    }

    private static readonly TimeSpan MinimumGap = TimeSpan.FromMilliseconds(250);

    private async Task ListenAsync(string runId, SemaphoreSlim wake, LocalProgress local, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (id, progress) in events.SubscribeAsync(cancellationToken).ConfigureAwait(false))
            {
                if (id != runId)
                {
                    continue;
                }

                local.Latest = progress;
                if (wake.CurrentCount == 0)
                {
                    wake.Release();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The watcher has ended.
        }
    }

    private sealed class LocalProgress
    {
        private RunProgress? latest;

        public RunProgress? Latest
        {
            get => Volatile.Read(ref latest);
            set => Volatile.Write(ref latest, value);
        }
    }
}
