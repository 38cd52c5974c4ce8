namespace VisionFactory.Domain.Runs;

public enum MetricKind
{
    /// <summary>A training step (throttled): running loss and accuracy of the epoch so far.</summary>
    Step,

    /// <summary>A finished epoch with its validation figures; exactly one per epoch.</summary>
    Epoch,
}

/// <summary>One point of a run's curves. (run, kind, epoch, step) is unique, so a resumed run cannot write a point twice.</summary>
public sealed class MetricPoint
{
    public long Id { get; init; }

    public required string RunId { get; init; }

    public MetricKind Kind { get; init; }

    public int Epoch { get; init; }

    /// <summary>Steps done in the epoch; for an epoch point, the epoch's step count.</summary>
    public int Step { get; init; }

    public double TrainLoss { get; init; }

    public double TrainAccuracy { get; init; }

    public double? ValidationLoss { get; init; }

    public double? ValidationAccuracy { get; init; }

    public double LearningRate { get; init; }

    public double ImagesPerSecond { get; init; }

    public double? EtaSeconds { get; init; }

    public DateTimeOffset At { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The fencing token of the worker that wrote it: which attempt of the run it belongs to.</summary>
    public long FencingToken { get; init; }
}
