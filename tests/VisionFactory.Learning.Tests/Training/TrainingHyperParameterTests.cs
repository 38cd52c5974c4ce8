using TorchSharp;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Training;
using VisionFactory.Learning.Zoo;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Training;

/// <summary>Each hyper-parameter changes what a run does, observably.</summary>
[Collection(TrainingRuns.Name)]
public sealed class TrainingHyperParameterTests : IDisposable
{
    private const string HeadPrefix = SmallCnn.HeadPath + ".";

    private readonly TrainingWorkbench bench = new();

    public void Dispose() => bench.Dispose();

    [Fact]
    public void EarlyStoppingStopsAfterPatienceEpochsWithoutImprovementAndKeepsTheBestWeights()
    {
        // Validation labels are the opposite of training labels: the better the network learns, the worse validation gets.
        var data = bench.Data([12, 12], swapValidationLabels: true);
        // Kept as finetuned (no blend with the start), so that the kept weights are the best epoch's.
        var spec = TrainingWorkbench.Finetune(epochs: 12) with { EarlyStoppingPatience = 2, Schedule = LearningRateScheduleKind.Cosine, FinetunedWeightShare = 1 };
        var journal = new MemoryJournal();

        using var outcome = bench.Trainer().Train(spec, data, null, journal, CancellationToken.None);

        var best = outcome.History.MinBy(m => m.ValidationLoss)!;
        Assert.True(outcome.History.Count < 12, "early stopping never stopped the run");
        Assert.Equal(best.Epoch + 2, outcome.History.Count);
        Assert.Equal(Enumerable.Range(1, outcome.History.Count), journal.Completed.Select(m => m.Epoch));
        var kept = bench.Loss(outcome.Network, data.Validation);
        Assert.Equal(best.ValidationLoss, kept, 4);
        Assert.True(Math.Abs(outcome.History[^1].ValidationLoss - kept) > 1e-3, "the network kept the last epoch's weights");
    }

    [Fact]
    public void GradientClippingBoundsHowFarEveryStepMovesTheWeights()
    {
        var data = bench.Data([12, 12]);
        // From the pretrained backbone under a zeroed head, kept as finetuned; without weight decay, which moves weights without a gradient.
        var spec = TrainingWorkbench.Finetune(epochs: 2) with { HeadFirst = false, FinetunedWeightShare = 1, WeightDecay = 0 };
        using var start = bench.Trainer().Train(spec with { Epochs = 1, LearningRate = 1e-9 }, data, null, CancellationToken.None);
        using var clipped = bench.Trainer().Train(spec with { MaxGradientNorm = 1e-7 }, data, null, CancellationToken.None);
        using var free = bench.Trainer().Train(spec, data, null, CancellationToken.None);

        // Batch-norm statistics follow the images, not the gradients.
        static bool Learned(string name) => !name.EndsWith("num_batches_tracked", StringComparison.Ordinal) && !name.Contains("running_", StringComparison.Ordinal);
        var clippedMoved = TrainingWorkbench.MaxDifference(start.Network.Module, clipped.Network.Module, Learned);
        var freeMoved = TrainingWorkbench.MaxDifference(start.Network.Module, free.Network.Module, Learned);
        Assert.True(clippedMoved < 1e-5, $"with gradients clipped to a norm of 1e-7 the weights moved by {clippedMoved}");
        Assert.True(freeMoved > 1e-2, $"without clipping the weights moved by only {freeMoved}");

        // Head mode clips too.
        var head = TrainingWorkbench.Head(epochs: 4) with { WeightDecay = 0, LearningRate = 0.5 };
        using var headStart = bench.Trainer().Train(head with { Epochs = 1, LearningRate = 1e-9 }, data, null, CancellationToken.None);
        using var headClipped = bench.Trainer().Train(head with { MaxGradientNorm = 1e-9 }, data, null, CancellationToken.None);
        using var headFree = bench.Trainer().Train(head, data, null, CancellationToken.None);
        var headClippedMoved = TrainingWorkbench.MaxDifference(headStart.Network.Module, headClipped.Network.Module, Learned);
        var headFreeMoved = TrainingWorkbench.MaxDifference(headStart.Network.Module, headFree.Network.Module, Learned);
        Assert.True(headClippedMoved < 1e-6, $"with gradients clipped to a norm of 1e-9 the head moved by {headClippedMoved}");
        Assert.True(headFreeMoved > 1e-3, $"without clipping the head moved by only {headFreeMoved}");
    }

    [Fact]
    public void FinetuneStartsFromTheConvergedHeadAndKeepsABlendOfThatStartAndTheFinetunedWeights()
    {
        var data = bench.Data([12, 12]);
        var spec = TrainingWorkbench.Finetune(epochs: 2);

        // The start: the pretrained backbone under the head that head mode trains with its defaults.
        var probe = new TrainingSpec { Architecture = spec.Architecture, Mode = TrainingMode.Head, ImageSize = spec.ImageSize, BatchSize = spec.BatchSize };
        using var start = bench.Trainer().Train(probe, data, null, CancellationToken.None);
        using var finetuned = bench.Trainer().Train(spec with { FinetunedWeightShare = 1 }, data, null, CancellationToken.None);
        using var blended = bench.Trainer().Train(spec with { FinetunedWeightShare = 0.25 }, data, null, CancellationToken.None);

        Assert.True(TrainingWorkbench.MaxDifference(start.Network.Module, finetuned.Network.Module, k => !k.StartsWith(HeadPrefix, StringComparison.Ordinal)) > 1e-3, "finetuning left the backbone where it was");
        var a = start.Network.Module.state_dict();
        var b = finetuned.Network.Module.state_dict();
        using var scope = NewDisposeScope();
        foreach (var (name, kept) in blended.Network.Module.state_dict().Where(w => w.Value.is_floating_point()))
        {
            var expected = (b[name] * 0.25) + (a[name] * 0.75);
            Assert.True((kept - expected).abs().max().item<float>() < 1e-5, $"{name} is not a quarter finetuned and three quarters start");
        }
    }

    [Fact]
    public void FinetuneKeepsThePretrainedBatchNormStatisticsUnlessToldToEstimateThemAgain()
    {
        var data = bench.Data([12, 12]);
        var spec = TrainingWorkbench.Finetune(epochs: 2) with { FinetunedWeightShare = 1, BackboneLearningRateScale = 1 };
        using var pretrained = bench.Trainer().Train(spec with { HeadFirst = false, Epochs = 1, LearningRate = 1e-9 }, data, null, CancellationToken.None);
        using var kept = bench.Trainer().Train(spec, data, null, CancellationToken.None);
        using var estimated = bench.Trainer().Train(spec with { KeepBatchNormStatistics = false }, data, null, CancellationToken.None);

        static bool Statistics(string name) => name.Contains("running_", StringComparison.Ordinal);
        static bool Learned(string name) => !name.StartsWith(HeadPrefix, StringComparison.Ordinal) && !Statistics(name) && !name.EndsWith("num_batches_tracked", StringComparison.Ordinal);
        Assert.Equal(0, TrainingWorkbench.MaxDifference(pretrained.Network.Module, kept.Network.Module, Statistics));
        var keptMoved = TrainingWorkbench.MaxDifference(pretrained.Network.Module, kept.Network.Module, Learned);
        Assert.True(keptMoved > 1e-3, $"with the statistics kept the backbone's weights moved by only {keptMoved}");
        var estimatedMoved = TrainingWorkbench.MaxDifference(pretrained.Network.Module, estimated.Network.Module, Statistics);
        Assert.True(estimatedMoved > 1e-3, $"estimated again on the training images, the statistics moved by only {estimatedMoved}");
    }

    [Fact]
    public void FinetunedPretrainedLayersLearnAtTheirShareOfTheHeadsRate()
    {
        var data = bench.Data([12, 12]);
        var spec = TrainingWorkbench.EstimatingStatistics(TrainingWorkbench.Finetune(epochs: 2)) with { FinetunedWeightShare = 1 };
        using var pretrained = bench.Trainer().Train(spec with { HeadFirst = false, Epochs = 1, LearningRate = 1e-9 }, data, null, CancellationToken.None);
        using var slow = bench.Trainer().Train(spec with { BackboneLearningRateScale = 1e-6 }, data, null, CancellationToken.None);
        using var even = bench.Trainer().Train(spec with { BackboneLearningRateScale = 1 }, data, null, CancellationToken.None);

        bool Backbone(string name) => !name.StartsWith(HeadPrefix, StringComparison.Ordinal) && !name.EndsWith("num_batches_tracked", StringComparison.Ordinal) && !name.Contains("running_", StringComparison.Ordinal);
        var slowMoved = TrainingWorkbench.MaxDifference(pretrained.Network.Module, slow.Network.Module, Backbone);
        var evenMoved = TrainingWorkbench.MaxDifference(pretrained.Network.Module, even.Network.Module, Backbone);
        Assert.True(slowMoved < 1e-4, $"at a millionth of the head's rate the backbone moved by {slowMoved}");
        Assert.True(evenMoved > 1e-2, $"at the head's rate the backbone moved by only {evenMoved}");
    }

    [Fact]
    public void ResumingAStoppedRunTrainsNoMore()
    {
        var data = bench.Data([12, 12], swapValidationLabels: true);
        var spec = TrainingWorkbench.Finetune(epochs: 12) with { EarlyStoppingPatience = 1 };
        var journal = new MemoryJournal();
        using var stopped = bench.Trainer().Train(spec, data, null, journal, CancellationToken.None);

        using var resumed = bench.Trainer().Train(spec, data, null, journal, CancellationToken.None);

        Assert.Equal(stopped.History.Select(m => m.Epoch), resumed.History.Select(m => m.Epoch));
        Assert.Equal(stopped.History.Count, journal.Completed.Count);
        Assert.Equal(0, TrainingWorkbench.MaxDifference(stopped.Network.Module, resumed.Network.Module));
    }

    [Fact]
    public void FrozenBackboneEpochTrainsOnlyTheHeadThenEverythingTrains()
    {
        var data = bench.Data([12, 12]);
        var spec = TrainingWorkbench.Finetune(epochs: 2) with { FreezeBackboneEpochs = 1 };
        var journal = new MemoryJournal();

        using var outcome = bench.Trainer(importedWeights: false).Train(spec, data, null, journal, CancellationToken.None);

        var architecture = ArchitectureCatalog.Default.Get(TrainingWorkbench.Architecture);
        manual_seed(spec.Seed);
        using var initial = architecture.Build(2, TrainingWorkbench.Size, loadPretrained: true);
        using var afterFirstEpoch = architecture.Build(2, TrainingWorkbench.Size, loadPretrained: true);
        using (var checkpoint = new MemoryStream(journal.EpochCheckpoints[1]))
        {
            TrainingCheckpoint.Read(checkpoint).LoadWeights(afterFirstEpoch.Module);
        }

        static bool Backbone(string key) => !key.StartsWith(HeadPrefix, StringComparison.Ordinal);
        Assert.Equal(0, TrainingWorkbench.MaxDifference(initial.Module, afterFirstEpoch.Module, Backbone));
        Assert.True(TrainingWorkbench.MaxDifference(initial.Module, afterFirstEpoch.Module, k => !Backbone(k)) > 1e-4, "the head did not train");
        Assert.True(TrainingWorkbench.MaxDifference(initial.Module, outcome.Network.Module, Backbone) > 1e-4, "the backbone never trained");
        Assert.All(outcome.Network.Module.parameters(), p => Assert.True(p.requires_grad));
    }

    [Theory]
    [InlineData(TrainingMode.Finetune)]
    [InlineData(TrainingMode.Head)]
    public void BalancedClassWeightingChangesTheTrainingLoss(TrainingMode mode)
    {
        var data = bench.Data([18, 6]);
        var spec = (mode == TrainingMode.Head ? TrainingWorkbench.Head(epochs: 1) : TrainingWorkbench.Finetune(epochs: 1)) with { HorizontalFlip = false };

        using var plain = bench.Trainer().Train(spec, data, null, CancellationToken.None);
        using var balanced = bench.Trainer().Train(spec with { ClassWeighting = ClassWeighting.Balanced }, data, null, CancellationToken.None);

        Assert.True(
            Math.Abs(plain.History[0].TrainLoss - balanced.History[0].TrainLoss) > 1e-3,
            $"balanced weighting left the loss at {balanced.History[0].TrainLoss}");
    }

    [Fact]
    public void LabelSmoothingKeepsTheTrainingLossAboveWhatPlainTrainingReaches()
    {
        var data = bench.Data([12, 12]);
        var spec = TrainingWorkbench.EstimatingStatistics(TrainingWorkbench.Finetune(epochs: 4));
        var floor = TrainingLossTests.SmoothedEntropy(0.3, 2);

        using var plain = bench.Trainer().Train(spec, data, null, CancellationToken.None);
        using var smoothed = bench.Trainer().Train(spec with { LabelSmoothing = 0.3 }, data, null, CancellationToken.None);

        Assert.True(plain.History[^1].TrainLoss < floor, $"plain training only reached {plain.History[^1].TrainLoss}, above {floor}");
        Assert.All(smoothed.History, m => Assert.True(m.TrainLoss >= floor - 1e-4, $"epoch {m.Epoch} went below {floor}: {m.TrainLoss}"));
    }

    public static TheoryData<string, TrainingSpec> EachAugmentation => new()
    {
        { "rotation", TrainingWorkbench.EstimatingStatistics(TrainingWorkbench.Finetune(epochs: 1)) with { RotationDegrees = 20 } },
        { "crop", TrainingWorkbench.EstimatingStatistics(TrainingWorkbench.Finetune(epochs: 1)) with { CropMinScale = 0.5 } },
        { "colour jitter", TrainingWorkbench.EstimatingStatistics(TrainingWorkbench.Finetune(epochs: 1)) with { ColorJitter = 0.4 } },
        { "no flip", TrainingWorkbench.EstimatingStatistics(TrainingWorkbench.Finetune(epochs: 1)) with { HorizontalFlip = false } },
    };

    [Theory]
    [MemberData(nameof(EachAugmentation))]
    public void EveryAugmentationChangesWhatTheNetworkLearns(string name, TrainingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var data = bench.Data([8, 8]);

        using var baseline = bench.Trainer().Train(TrainingWorkbench.EstimatingStatistics(TrainingWorkbench.Finetune(epochs: 1)), data, null, CancellationToken.None);
        using var augmented = bench.Trainer().Train(spec, data, null, CancellationToken.None);

        Assert.True(TrainingWorkbench.MaxDifference(baseline.Network.Module, augmented.Network.Module) > 1e-5, $"{name} changed nothing");
    }

    [Theory]
    [InlineData(LearningRateScheduleKind.Step, 0)]
    [InlineData(LearningRateScheduleKind.Cosine, 1)]
    [InlineData(LearningRateScheduleKind.OneCycle, 2)]
    public void EveryEpochRecordsTheRateTheScheduleGaveItsLastStep(LearningRateScheduleKind kind, int warmup)
    {
        var data = bench.Data([12, 12]);
        var spec = TrainingWorkbench.Finetune(epochs: 4) with { Schedule = kind, WarmupEpochs = warmup, StepSize = 1, StepGamma = 0.5 };

        using var outcome = bench.Trainer().Train(spec, data, null, CancellationToken.None);

        var schedule = LearningRateSchedule.For(spec, stepsPerEpoch: 3);
        Assert.Equal(Enumerable.Range(1, 4).Select(e => schedule.At((e * 3) - 1)), outcome.History.Select(m => m.LearningRate));
    }

    [Fact]
    public void SameSeedGivesTheSameNetworkAndAnotherSeedAnother()
    {
        var data = bench.Data([8, 8]);
        var spec = TrainingWorkbench.Finetune(epochs: 2) with { RotationDegrees = 10, CropMinScale = 0.7 };

        using var first = bench.Trainer().Train(spec, data, null, CancellationToken.None);
        using var again = bench.Trainer().Train(spec, data, null, CancellationToken.None);
        using var other = bench.Trainer().Train(spec with { Seed = 7 }, data, null, CancellationToken.None);

        Assert.Equal(0, TrainingWorkbench.MaxDifference(first.Network.Module, again.Network.Module));
        Assert.True(TrainingWorkbench.MaxDifference(first.Network.Module, other.Network.Module) > 1e-4);
    }

    [Fact]
    public void InvalidSpecIsRefusedBeforeTraining()
    {
        var data = bench.Data([4, 4]);

        var problem = Assert.Throws<ProblemException>(
            () => bench.Trainer().Train(TrainingWorkbench.Finetune() with { LabelSmoothing = 0.9 }, data, null, CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, problem.Kind);
        Assert.StartsWith("label smoothing must be between 0 (off) and 0.5", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EarlyStoppingWithoutValidationImagesIsRefused()
    {
        var data = bench.Data([4, 4], validationPerClass: 0);

        var problem = Assert.Throws<ProblemException>(
            () => bench.Trainer().Train(TrainingWorkbench.Finetune() with { EarlyStoppingPatience = 2 }, data, null, CancellationToken.None));

        Assert.Contains("validation split has no images", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainingInterruptionAndResumeLeaveNoTensorBehind()
    {
        var data = bench.Data([12, 12]);
        var finetune = TrainingWorkbench.Finetune(epochs: 3) with
        {
            RotationDegrees = 10, CropMinScale = 0.8, ColorJitter = 0.2, ClassWeighting = ClassWeighting.Balanced, EarlyStoppingPatience = 3,
        };
        var head = TrainingWorkbench.Head(epochs: 3) with { LabelSmoothing = 0.1, EarlyStoppingPatience = 3 };
        var live = DisposeScopeManager.Statistics.TensorStatistics;
        var before = live.ThreadTotalLiveCount;

        var journal = new MemoryJournal();
        using (var cancel = new CancellationTokenSource())
        {
            var stop = new ProgressCallback(p =>
            {
                if (p is { Phase: TrainingPhase.Training, Epoch: 2, Done: 1 })
                {
                    cancel.Cancel();
                }
            });
            Assert.ThrowsAny<OperationCanceledException>(() => bench.Trainer().Train(finetune, data, stop, journal, cancel.Token));
        }

        using (bench.Trainer().Train(finetune, data, null, journal, CancellationToken.None))
        {
        }

        using (bench.Trainer().Train(head, data, null, new MemoryJournal(), CancellationToken.None))
        {
        }

        Assert.Equal(before, live.ThreadTotalLiveCount);
    }
}
