using VisionFactory.Domain.Models;
using VisionFactory.Learning.Training;

namespace VisionFactory.Server.Runs;

/// <summary>Where a training run stands.</summary>
public enum RunState
{
    /// <summary>Waiting for the runs submitted before it.</summary>
    Queued,

    /// <summary>Training now; see its progress.</summary>
    Running,

    /// <summary>Finished; its model is stored.</summary>
    Succeeded,

    /// <summary>Stopped; its error says why.</summary>
    Failed,
}

/// <summary>One submitted training run; its state changes as the worker takes it, reports progress and ends it.</summary>
internal sealed class TrainingRun(string dataset, TrainingSpec spec) : IProgress<TrainingProgress>
{
    private readonly Lock gate = new();
    private RunState state = RunState.Queued;
    private TrainingProgress? progress;
    private string? model;
    private string? error;
    private DateTimeOffset? startedAt;
    private DateTimeOffset? finishedAt;

    public string Id { get; } = "r-" + Guid.NewGuid().ToString("N")[..8];

    public string Dataset { get; } = dataset;

    public TrainingSpec Spec { get; } = spec;

    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;

    public void Report(TrainingProgress value)
    {
        lock (gate)
        {
            progress = value;
        }
    }

    public void Start()
    {
        lock (gate)
        {
            state = RunState.Running;
            startedAt = DateTimeOffset.UtcNow;
        }
    }

    public void Succeed(string modelId)
    {
        lock (gate)
        {
            state = RunState.Succeeded;
            model = modelId;
            finishedAt = DateTimeOffset.UtcNow;
        }
    }

    public void Fail(string message)
    {
        lock (gate)
        {
            state = RunState.Failed;
            error = message;
            finishedAt = DateTimeOffset.UtcNow;
        }
    }

    public RunStatus Snapshot()
    {
        lock (gate)
        {
            return new RunStatus(
                Id,
                Dataset,
                state,
                progress is { } p
                    ? new RunProgress(p.Phase, p.Epoch, p.Epochs, p.Done, p.Total, p.Loss, p.Accuracy, p.LearningRate, p.ImagesPerSecond)
                    : null,
                model,
                error,
                CreatedAt,
                startedAt,
                finishedAt,
                Spec);
        }
    }
}
