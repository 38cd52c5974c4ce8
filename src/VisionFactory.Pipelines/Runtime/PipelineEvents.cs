namespace VisionFactory.Pipelines.Runtime;

/// <summary>Something a person watching the pipeline should know about.</summary>
public enum PipelineEventKind
{
    Info,
    Warning,
    Error,
    Stall,
    Reconnect,
    Alert,
}

/// <summary>One entry of a pipeline's event feed.</summary>
public sealed record PipelineEvent(DateTimeOffset At, string Step, PipelineEventKind Kind, string Message);

/// <summary>The most recent events of a running pipeline (a bounded feed: old entries fall off).</summary>
public sealed class PipelineEvents(TimeProvider clock, int capacity = 200)
{
    private readonly Queue<PipelineEvent> events = new();
    private readonly Lock gate = new();

    /// <summary>Raised after an event is recorded (from the thread that recorded it).</summary>
    public event Action<PipelineEvent>? Recorded;

    public PipelineEvent Record(string step, PipelineEventKind kind, string message)
    {
        var entry = new PipelineEvent(clock.GetUtcNow(), step, kind, message);
        lock (gate)
        {
            events.Enqueue(entry);
            while (events.Count > capacity)
            {
                events.Dequeue();
            }
        }

        Recorded?.Invoke(entry);
        return entry;
    }

    public IReadOnlyList<PipelineEvent> Snapshot()
    {
        lock (gate)
        {
            return [.. events];
        }
    }
}
