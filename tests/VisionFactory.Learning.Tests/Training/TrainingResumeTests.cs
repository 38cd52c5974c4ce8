using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Learning.Training;

namespace VisionFactory.Learning.Tests.Training;

[Collection(TrainingRuns.Name)]
public sealed class TrainingResumeTests : IDisposable
{
    private readonly TrainingWorkbench bench = new();

    // Every source of randomness on: shuffling, dropout, flips, rotation, crops and colour jitter.
    private static readonly TrainingSpec Augmented = TrainingWorkbench.Finetune(epochs: 4) with
    {
        RotationDegrees = 15,
        CropMinScale = 0.6,
        ColorJitter = 0.3,
        LabelSmoothing = 0.1,
    };

    public void Dispose() => bench.Dispose();

    [Fact]
    public void FinetuneCancelledMidEpochThenResumedEndsWithTheUninterruptedWeights()
    {
        var data = bench.Data([12, 12]);
        using var straight = bench.Trainer().Train(Augmented, data, null, new MemoryJournal(), CancellationToken.None);

        var journal = new MemoryJournal();
        using var cancel = new CancellationTokenSource();
        var stopAfterSecondStep = new ProgressCallback(p =>
        {
            if (p is { Phase: TrainingPhase.Training, Epoch: 2, Done: 2 })
            {
                cancel.Cancel();
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() => bench.Trainer().Train(Augmented, data, stopAfterSecondStep, journal, cancel.Token));
        Assert.Equal([(2, 2)], journal.Interruptions);
        var firstPart = journal.Completed.Select(m => m.Epoch).ToList();

        using var resumed = bench.Trainer().Train(Augmented, data, null, journal, CancellationToken.None);

        var difference = TrainingWorkbench.MaxDifference(straight.Network.Module, resumed.Network.Module);
        Assert.True(difference < 1e-5, $"the resumed run's weights differ from the uninterrupted run's by {difference}");
        Assert.Equal([1, 2, 3, 4], resumed.History.Select(m => m.Epoch));
        Assert.Equal([1, 2, 3, 4], journal.Completed.Select(m => m.Epoch));
        Assert.Equal([1], firstPart);

        // The interrupted epoch's training loss includes the steps before the interruption.
        Assert.All(straight.History.Zip(resumed.History), pair => Assert.Equal(pair.First.TrainLoss, pair.Second.TrainLoss, 5));
    }

    [Fact]
    public void FinetuneResumedFromAnEndOfEpochCheckpointEndsWithTheUninterruptedWeights()
    {
        var data = bench.Data([12, 12]);
        var straightJournal = new MemoryJournal();
        using var straight = bench.Trainer().Train(Augmented, data, null, straightJournal, CancellationToken.None);

        var journal = new MemoryJournal(straightJournal.EpochCheckpoints[2]);
        using var resumed = bench.Trainer().Train(Augmented, data, null, journal, CancellationToken.None);

        var difference = TrainingWorkbench.MaxDifference(straight.Network.Module, resumed.Network.Module);
        Assert.True(difference < 1e-5, $"the resumed run's weights differ from the uninterrupted run's by {difference}");
        Assert.Equal([1, 2, 3, 4], resumed.History.Select(m => m.Epoch));
        Assert.Equal([3, 4], journal.Completed.Select(m => m.Epoch));
        Assert.Equal(straight.History.Select(m => m.LearningRate), resumed.History.Select(m => m.LearningRate));
    }

    [Fact]
    public void HeadRunWithAdamWCancelledThenResumedEndsWithTheUninterruptedHead()
    {
        var spec = TrainingWorkbench.Head(epochs: 5) with { Optimizer = OptimizerKind.AdamW, ClassWeighting = ClassWeighting.Balanced };
        var data = bench.Data([14, 6]);
        using var straight = bench.Trainer().Train(spec, data, null, new MemoryJournal(), CancellationToken.None);

        var journal = new MemoryJournal();
        using var cancel = new CancellationTokenSource();
        var stopAfterSecondEpoch = new ProgressCallback(p =>
        {
            if (p is { Phase: TrainingPhase.TrainingHead, Epoch: 2 })
            {
                cancel.Cancel();
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() => bench.Trainer().Train(spec, data, stopAfterSecondEpoch, journal, cancel.Token));
        using var resumed = bench.Trainer().Train(spec, data, null, journal, CancellationToken.None);

        var difference = TrainingWorkbench.MaxDifference(straight.Network.Module, resumed.Network.Module);
        Assert.True(difference < 1e-5, $"the resumed head differs from the uninterrupted run's by {difference}");
        Assert.Equal([1, 2, 3, 4, 5], resumed.History.Select(m => m.Epoch));
        Assert.Equal([1, 2, 3, 4, 5], journal.Completed.Select(m => m.Epoch));
    }

    [Fact]
    public void CheckpointOfAnotherSetupIsRefusedWithTheDifference()
    {
        var data = bench.Data([6, 6]);
        var journal = new MemoryJournal();
        using (bench.Trainer().Train(TrainingWorkbench.Finetune(epochs: 1), data, null, journal, CancellationToken.None))
        {
        }

        var other = TrainingWorkbench.Finetune(epochs: 1) with { BatchSize = 4 };
        var problem = Assert.Throws<ProblemException>(() => bench.Trainer().Train(other, data, null, journal, CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, problem.Kind);
        Assert.Contains("batch size 8, not 4", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DamagedCheckpointIsReportedAsDamaged()
    {
        var data = bench.Data([6, 6]);
        var journal = new MemoryJournal([1, 2, 3, 4]);

        var problem = Assert.Throws<ProblemException>(() => bench.Trainer().Train(TrainingWorkbench.Finetune(epochs: 1), data, null, journal, CancellationToken.None));

        Assert.Equal(ProblemKind.Damaged, problem.Kind);
    }

    [Fact]
    public void JournalFailureStopsTheRunAndPropagates()
    {
        var data = bench.Data([6, 6]);
        var journal = new MemoryJournal { FailFromEpoch = 2 };

        var failure = Assert.Throws<InvalidOperationException>(
            () => bench.Trainer().Train(TrainingWorkbench.Finetune(epochs: 3), data, null, journal, CancellationToken.None));

        Assert.Equal("the run's lease was lost", failure.Message);
        Assert.Equal([1], journal.Completed.Select(m => m.Epoch));
        Assert.Empty(journal.Interruptions);
    }

    [Fact]
    public void CheckpointRecordsThePositionAndHistory()
    {
        var data = bench.Data([6, 6]);
        var journal = new MemoryJournal();
        using (bench.Trainer().Train(TrainingWorkbench.Finetune(epochs: 2), data, null, journal, CancellationToken.None))
        {
        }

        using var stream = new MemoryStream(journal.EpochCheckpoints[1]);
        var checkpoint = TrainingCheckpoint.Read(stream);

        Assert.Equal(TrainingCheckpoint.FormatVersion, checkpoint.Version);
        Assert.Equal((2, 0, 2L), (checkpoint.Epoch, checkpoint.Step, checkpoint.GlobalStep));
        Assert.Equal([1], checkpoint.History.Select(m => m.Epoch));
        Assert.Equal(TrainingWorkbench.Architecture, checkpoint.Identity.Architecture);
        Assert.Equal(TrainingWorkbench.Classes, checkpoint.Identity.Classes);
    }
}
