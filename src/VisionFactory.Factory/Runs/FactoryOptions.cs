namespace VisionFactory.Factory.Runs;

/// <summary>What a process of the factory does.</summary>
public enum FactoryRole
{
    /// <summary>The web host and a worker in one process (the embedded default).</summary>
    All,

    /// <summary>The web host only: runs are queued here and trained elsewhere.</summary>
    Web,

    /// <summary>A worker only: takes queued runs from the shared database.</summary>
    Worker,
}

/// <summary>How this process takes part in training. Bound from the <c>Factory</c> configuration section.</summary>
public sealed class FactoryOptions
{
    public const string Section = "Factory";

    public FactoryRole Role { get; set; } = FactoryRole.All;

    /// <summary>CPU threads this worker may use for training at once; each run takes its <c>threads</c> (0: all of them).</summary>
    public int ThreadBudget { get; set; } = Environment.ProcessorCount;

    /// <summary>How long a run's lease lasts without a heartbeat; after that another worker may take the run over.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a worker renews its leases, persists live metrics and looks for cancel requests.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often expired leases are looked for.</summary>
    public TimeSpan ReapInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a worker looks for queued runs.</summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>This worker's name in leases: host, process id and a nonce, unique across restarts.</summary>
    public string WorkerName { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";

    public bool ProcessesRuns => Role is FactoryRole.All or FactoryRole.Worker;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ThreadBudget < 1)
        {
            problems.Add($"the thread budget must be at least 1, not {ThreadBudget}");
        }

        if (HeartbeatInterval <= TimeSpan.Zero || LeaseDuration < 2 * HeartbeatInterval)
        {
            problems.Add($"the lease ({LeaseDuration.TotalSeconds} s) must last at least two heartbeats ({HeartbeatInterval.TotalSeconds} s)");
        }

        return problems;
    }
}
