using System.Collections.Concurrent;
using System.Threading.Channels;
using VisionFactory.Domain;

namespace VisionFactory.Server.Runs;

/// <summary>
/// The submitted training runs and the queue the worker takes them from, in submission order.
/// </summary>
/// <remarks>
/// Kept in memory for now: runs are forgotten when the server stops, and a queued run does not survive a restart.
/// A durable queue (Hangfire) replaces this in a later issue.
/// </remarks>
internal sealed class TrainingQueue
{
    private readonly ConcurrentDictionary<string, TrainingRun> runs = new(StringComparer.Ordinal);
    private readonly Channel<TrainingRun> pending = Channel.CreateUnbounded<TrainingRun>(new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<TrainingRun> Pending => pending.Reader;

    public TrainingRun Submit(TrainingRun run)
    {
        runs[run.Id] = run;
        if (!pending.Writer.TryWrite(run))
        {
            run.Fail("the server is shutting down; submit the run again once it is back");
        }

        return run;
    }

    public TrainingRun Get(string id) => runs.TryGetValue(id, out var run)
        ? run
        : throw ProblemException.NotFound(
            $"run '{id}' does not exist; GET /api/runs lists the {runs.Count} run{(runs.Count == 1 ? "" : "s")} " +
            "this server has seen since it started (runs are kept in memory)");

    public List<TrainingRun> All() => runs.Values.OrderBy(r => r.CreatedAt).ToList();

    public void Close() => pending.Writer.TryComplete();
}
