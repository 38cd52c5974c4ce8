using VisionFactory.Domain.Models;
using VisionFactory.Learning.Training;

namespace VisionFactory.Learning.Tests.Training;

public sealed class LearningRateScheduleTests
{
    private const double Peak = 0.1;

    [Fact]
    public void WarmupRampsLinearlyFromNearZeroToThePeak()
    {
        var schedule = LearningRateSchedule.Cosine(Peak, totalSteps: 100, warmupSteps: 10);

        var warmup = Enumerable.Range(0, 10).Select(s => schedule.At(s)).ToList();

        Assert.Equal(Peak / 10, warmup[0], 12);
        Assert.All(warmup.Zip(warmup.Skip(1)), pair => Assert.Equal(Peak / 10, pair.Second - pair.First, 12));
        Assert.Equal(Peak, warmup[^1], 12);
        Assert.True(schedule.At(11) < Peak, "the cosine starts falling right after the warm-up");
    }

    [Fact]
    public void CosineFallsFromThePeakToZeroAtTheEnd()
    {
        var schedule = LearningRateSchedule.Cosine(Peak, totalSteps: 50);

        var rates = Enumerable.Range(0, 51).Select(s => schedule.At(s)).ToList();

        Assert.Equal(Peak, rates[0], 12);
        Assert.Equal(Peak / 2, schedule.At(25), 12);
        Assert.Equal(0, rates[^1]);
        Assert.All(rates.Zip(rates.Skip(1)), pair => Assert.True(pair.Second < pair.First));
    }

    [Fact]
    public void StepDecaysByGammaAtEpochBoundariesOnly()
    {
        var schedule = LearningRateSchedule.Step(Peak, totalSteps: 90, stepsPerEpoch: 10, stepSize: 3, gamma: 0.5);

        Assert.All(Enumerable.Range(0, 30), s => Assert.Equal(Peak, schedule.At(s), 12));
        Assert.All(Enumerable.Range(30, 30), s => Assert.Equal(Peak * 0.5, schedule.At(s), 12));
        Assert.All(Enumerable.Range(60, 30), s => Assert.Equal(Peak * 0.25, schedule.At(s), 12));
    }

    [Fact]
    public void StepWithWarmupRampsThenHoldsThePeak()
    {
        var schedule = LearningRateSchedule.Step(Peak, totalSteps: 60, stepsPerEpoch: 10, stepSize: 3, gamma: 0.1, warmupSteps: 10);

        Assert.Equal(Peak / 10, schedule.At(0), 12);
        Assert.Equal(Peak, schedule.At(9), 12);
        Assert.Equal(Peak, schedule.At(29), 12);
        Assert.Equal(Peak * 0.1, schedule.At(30), 12);
    }

    [Fact]
    public void OneCycleRisesFromAFractionOfThePeakToThePeakThenAnnealsFarBelow()
    {
        var schedule = LearningRateSchedule.OneCycle(Peak, totalSteps: 100, riseSteps: 30);

        var rates = Enumerable.Range(0, 100).Select(s => schedule.At(s)).ToList();

        Assert.Equal(Peak / LearningRateSchedule.OneCycleDivFactor, rates[0], 12);
        Assert.Equal(Peak, rates.Max(), 12);
        Assert.Equal(29, rates.IndexOf(rates.Max()));
        Assert.Equal(Peak / LearningRateSchedule.OneCycleDivFactor / LearningRateSchedule.OneCycleFinalDivFactor, rates[^1], 12);
        Assert.All(rates.Take(30).Zip(rates.Skip(1).Take(29)), pair => Assert.True(pair.Second > pair.First));
        Assert.All(rates.Skip(29).Zip(rates.Skip(30)), pair => Assert.True(pair.Second < pair.First));
    }

    [Fact]
    public void SpecWarmupSetsTheOneCycleRise()
    {
        var spec = new TrainingSpec { Mode = TrainingMode.Finetune, Epochs = 10, LearningRate = Peak, WarmupEpochs = 2 };

        var schedule = LearningRateSchedule.For(spec, stepsPerEpoch: 5);

        Assert.Equal(LearningRateScheduleKind.OneCycle, schedule.Kind);
        Assert.Equal(50, schedule.TotalSteps);
        Assert.Equal(Peak, schedule.At(9), 12);
        Assert.True(schedule.At(8) < Peak && schedule.At(10) < Peak);
    }

    [Fact]
    public void SpecDefaultsGiveOneCycleAndAStepSizeOfAThirdOfTheEpochs()
    {
        var spec = new TrainingSpec { Mode = TrainingMode.Finetune, Epochs = 9, Schedule = LearningRateScheduleKind.Step };

        var schedule = LearningRateSchedule.For(spec, stepsPerEpoch: 4);

        Assert.Equal(LearningRateScheduleKind.OneCycle, new TrainingSpec().Schedule);
        Assert.Equal(3, schedule.StepSize);
        Assert.Equal(0.1, schedule.Gamma);
        Assert.Equal(spec.ResolvedLearningRate * 0.1, schedule.At(12), 12);
    }
}
