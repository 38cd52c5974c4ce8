namespace VisionFactory.Factory.Runs;

/// <summary>The run is no longer this worker's: its lease expired and another worker took it over, or it ended.</summary>
public sealed class LeaseLostException(string runId, long fencingToken)
    : Exception($"run {runId} is no longer held by this worker (fencing token {fencingToken} is stale); it writes nothing more")
{
    public string RunId { get; } = runId;

    public long FencingToken { get; } = fencingToken;
}
