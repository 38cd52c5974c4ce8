namespace VisionFactory.Domain.Runs;

/// <summary>Where a training run stands. The runs table is the source of truth; the job queue only delivers work.</summary>
public enum RunState
{
    /// <summary>Waiting for a worker with a free thread budget.</summary>
    Queued,

    /// <summary>A worker holds its lease and trains it.</summary>
    Running,

    /// <summary>Finished; its model is stored.</summary>
    Succeeded,

    /// <summary>Stopped for good; the reason says why. Resuming retries it from its last checkpoint.</summary>
    Failed,

    /// <summary>Stopped on request; it keeps its last checkpoint and can be resumed.</summary>
    Cancelled,

    /// <summary>Its worker stopped or vanished mid-run; it is queued again and continues from its last checkpoint.</summary>
    Interrupted,
}

public static class RunStates
{
    /// <summary>States a run never leaves on its own.</summary>
    public static bool IsFinal(this RunState state) => state is RunState.Succeeded or RunState.Failed or RunState.Cancelled;
}
