using Hangfire;

namespace VisionFactory.Factory.Runs;

/// <summary>Delivers run ids to workers. The runs table decides what happens; the queue only says "look at this run".</summary>
public interface IRunDispatcher
{
    void Enqueue(string runId);
}

/// <summary>The queue on Hangfire: SQLite storage embedded, PostgreSQL when workers share a database.</summary>
internal sealed class HangfireRunDispatcher(IBackgroundJobClient jobs) : IRunDispatcher
{
    public void Enqueue(string runId) => jobs.Enqueue<RunExecutor>(executor => executor.ExecuteAsync(runId, CancellationToken.None));
}
