using System.Diagnostics;
using System.Text.Json;
using VisionFactory.Domain.Runs;
using VisionFactory.Learning.Training;

namespace VisionFactory.Factory.Runs;

/// <summary>
/// Receives the trainer's report after every step on the training thread and keeps only the latest, with an ETA;
/// the heartbeat takes it from here to the database about once a second, so training never waits on storage.
/// </summary>
internal sealed class RunProgressTracker(string runId, long token, RunEvents events) : IProgress<TrainingProgress>
{
    private readonly Lock gate = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private double? startFraction;
    private RunProgress? latest;
    private RunProgress? lastTraining;
    private MetricPoint? pendingPoint;
    private bool changed;

    public void Report(TrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var fraction = Fraction(value);
        double? eta = null;
        lock (gate)
        {
            if (fraction is { } f)
            {
                startFraction ??= f;
                var done = f - startFraction.Value;
                if (done > 0.005)
                {
                    eta = clock.Elapsed.TotalSeconds / done * (1 - f);
                }
            }

            latest = new RunProgress(
                JsonNamingPolicy.SnakeCaseLower.ConvertName(value.Phase.ToString()), value.Epoch, value.Epochs, value.Done, value.Total,
                value.Loss, value.Accuracy, value.LearningRate, value.ImagesPerSecond, eta);
            if (value.Phase is TrainingPhase.Training or TrainingPhase.TrainingHead && value.Done > 0)
            {
                lastTraining = latest;
                pendingPoint = new MetricPoint
                {
                    RunId = runId,
                    Kind = MetricKind.Step,
                    Epoch = value.Epoch,
                    Step = value.Done,
                    TrainLoss = value.Loss,
                    TrainAccuracy = value.Accuracy,
                    LearningRate = value.LearningRate,
                    ImagesPerSecond = value.ImagesPerSecond,
                    EtaSeconds = eta,
                    FencingToken = token,
                };
            }

            changed = true;
        }

        events.Publish(runId, latest);
    }

    /// <summary>
    /// The progress to keep once the run has ended: its last training report (loss, accuracy, images/s of the last
    /// step), not the evaluation that follows it.
    /// </summary>
    public RunProgress? Final
    {
        get
        {
            lock (gate)
            {
                return lastTraining ?? latest;
            }
        }
    }

    /// <summary>The latest report and step point not yet taken; nulls when nothing changed.</summary>
    public (RunProgress? Progress, MetricPoint? Point) Take()
    {
        lock (gate)
        {
            if (!changed)
            {
                return (null, null);
            }

            changed = false;
            var point = pendingPoint;
            pendingPoint = null;
            return (latest, point);
        }
    }

    private static double? Fraction(TrainingProgress p) => p.Phase switch
    {
        TrainingPhase.Training when p.Epochs > 0 && p.Total > 0 => ((p.Epoch - 1) + ((double)p.Done / p.Total)) / p.Epochs,
        TrainingPhase.TrainingHead when p.Epochs > 0 => (double)p.Epoch / p.Epochs,
        _ => null,
    };
}
