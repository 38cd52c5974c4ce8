using System.Diagnostics;
using TorchSharp;
using VisionFactory.Domain.Models;
using VisionFactory.Learning.Data;

namespace VisionFactory.Learning.Training;

/// <summary>
/// The epochs of a run, common to both modes: shuffling, the learning-rate schedule, checkpoints, interruption,
/// early stopping and progress. Every source of randomness is keyed by (seed, epoch, step), so a run resumed from a
/// checkpoint continues exactly as it would have gone on.
/// </summary>
/// <remarks>
/// The tensor library's generator (dropout) is global to the process: runs are reproducible when nothing else draws
/// from it at the same time.
/// </remarks>
internal sealed class EpochLoop(
    TrainingSpec spec,
    ITrainingSteps steps,
    CheckpointIdentity identity,
    TrainingPhase phase,
    int validationImages,
    ITrainingJournal? journal,
    IProgress<TrainingProgress>? progress)
{
    /// <summary>Purposes of random streams, part of every key so that two purposes never share numbers.</summary>
    internal const long ShuffleStream = 1, AugmentationStream = 2, TorchStream = 3;

    private readonly int epochs = spec.ResolvedEpochs;
    private readonly LearningRateSchedule schedule = LearningRateSchedule.For(spec, steps.StepsPerEpoch);

    /// <summary>Runs the remaining epochs; the trainable module ends with the weights to keep.</summary>
    public List<EpochMetrics> Run(TrainingCheckpoint? resume, CancellationToken cancellationToken)
    {
        var state = new TrainingState();
        if (resume is not null)
        {
            state = resume.State;
            resume.LoadWeights(steps.Trainable);
            resume.LoadOptimizer(steps.Optimizer);
        }

        while (state.Epoch <= epochs && !state.Stopped)
        {
            var metrics = RunEpoch(state, cancellationToken);
            state.History.Add(metrics);
            TrackBest(state, metrics);
            state.AdvanceEpoch();
            journal?.CompleteEpoch(metrics, stream => TrainingCheckpoint.Write(stream, identity, state, steps.Trainable, steps.Optimizer));
        }

        if (state.BestWeights is { } best)
        {
            TrainingCheckpoint.Load(steps.Trainable, best);
        }

        return state.History;
    }

    private EpochMetrics RunEpoch(TrainingState state, CancellationToken ct)
    {
        var epoch = state.Epoch;
        var order = Enumerable.Range(0, identity.TrainImages).ToArray();
        new StableRandom(spec.Seed, ShuffleStream, epoch).Shuffle(order.AsSpan());
        torch.manual_seed(new StableRandom(spec.Seed, TorchStream, epoch).NextSeed());
        steps.BeginEpoch(epoch);

        var carried = state.Partial.Seconds;
        var clock = Stopwatch.StartNew();
        var lr = schedule.At(Math.Max(0, state.GlobalStep - 1));
        try
        {
            for (var step = state.Step; step < steps.StepsPerEpoch; step++)
            {
                ct.ThrowIfCancellationRequested();
                lr = schedule.At(state.GlobalStep);
                var g = 0;
                foreach (var group in steps.Optimizer.ParamGroups)
                {
                    group.LearningRate = lr * steps.LearningRateScales[g++];
                }

                // Dropout draws from the library's generator: seed it per step, so a resumed step draws the same masks.
                torch.manual_seed(new StableRandom(spec.Seed, TorchStream, epoch, step).NextSeed());
                var start = step * spec.BatchSize;
                var batch = order[start..Math.Min(start + spec.BatchSize, order.Length)];
                var (lossSum, correct, count) = steps.Step(epoch, step, batch);
                state.Partial = state.Partial.Add(lossSum, correct, count) with { Seconds = carried + clock.Elapsed.TotalSeconds };
                state.Step = step + 1;
                state.GlobalStep++;
                if (phase == TrainingPhase.Training)
                {
                    progress?.Report(new TrainingProgress(
                        TrainingPhase.Training, epoch, epochs, step + 1, steps.StepsPerEpoch, state.Partial.Loss, state.Partial.Accuracy, lr,
                        state.Partial.Seen / Math.Max(state.Partial.Seconds, 1e-9)));
                }
            }

            var sums = state.Partial;
            var imagesPerSecond = sums.Seen / Math.Max(sums.Seconds, 1e-9);
            if (phase == TrainingPhase.Training)
            {
                progress?.Report(new TrainingProgress(TrainingPhase.Validating, epoch, epochs, 0, validationImages, sums.Loss, 0, lr, 0));
            }

            ct.ThrowIfCancellationRequested();
            var (validationLoss, validationAccuracy) = steps.Validate(ct);
            var metrics = new EpochMetrics(
                epoch, sums.Loss, sums.Accuracy, validationLoss, validationAccuracy, lr, imagesPerSecond, carried + clock.Elapsed.TotalSeconds);
            progress?.Report(phase == TrainingPhase.Training
                ? new TrainingProgress(phase, epoch, epochs, steps.StepsPerEpoch, steps.StepsPerEpoch, sums.Loss, validationAccuracy, lr, imagesPerSecond)
                : new TrainingProgress(phase, epoch, epochs, epoch, epochs, sums.Loss, validationAccuracy, lr, imagesPerSecond));
            return metrics;
        }
        catch (OperationCanceledException) when (journal is not null)
        {
            state.Partial = state.Partial with { Seconds = carried + clock.Elapsed.TotalSeconds };
            journal.SaveInterruption(epoch, state.Step, stream => TrainingCheckpoint.Write(stream, identity, state, steps.Trainable, steps.Optimizer));
            throw;
        }
    }

    // Early stopping: remember the best epoch's weights; after `patience` epochs without a lower validation loss,
    // put them back and end the run.
    private void TrackBest(TrainingState state, EpochMetrics metrics)
    {
        if (spec.EarlyStoppingPatience <= 0)
        {
            return;
        }

        if (metrics.ValidationLoss < state.BestValidationLoss)
        {
            state.BestValidationLoss = metrics.ValidationLoss;
            state.BestEpoch = metrics.Epoch;
            state.EpochsWithoutImprovement = 0;
            state.BestWeights = TrainingCheckpoint.Serialize(steps.Trainable);
            return;
        }

        state.EpochsWithoutImprovement++;
        if (state.EpochsWithoutImprovement >= spec.EarlyStoppingPatience && state.BestWeights is { } best)
        {
            TrainingCheckpoint.Load(steps.Trainable, best);
            state.Stopped = true;
        }
    }
}
