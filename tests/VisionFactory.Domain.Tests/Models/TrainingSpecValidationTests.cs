using VisionFactory.Domain.Models;

namespace VisionFactory.Domain.Tests.Models;

public sealed class TrainingSpecValidationTests
{
    private static readonly TrainingSpec Finetune = new() { Mode = TrainingMode.Finetune, Epochs = 6 };

    [Fact]
    public void DefaultsAreValidInBothModes()
    {
        Assert.Empty(new TrainingSpec().Validate());
        Assert.Empty(Finetune.Validate());
    }

    [Fact]
    public void DefaultsTurnEveryNewHyperParameterOff()
    {
        var spec = new TrainingSpec();

        Assert.Equal(
            (LearningRateScheduleKind.OneCycle, 0, (int?)null, 0.1, 0.0, 1.0, 0.0, 0.0, ClassWeighting.None, 0, 0),
            (spec.Schedule, spec.WarmupEpochs, spec.StepSize, spec.StepGamma, spec.RotationDegrees, spec.CropMinScale, spec.ColorJitter,
                spec.LabelSmoothing, spec.ClassWeighting, spec.EarlyStoppingPatience, spec.FreezeBackboneEpochs));
        Assert.True(spec.HorizontalFlip);
        Assert.Equal(2, (Finetune with { Epochs = 7 }).ResolvedStepSize);
        Assert.Equal(1, (Finetune with { Epochs = 2 }).ResolvedStepSize);
    }

    public static TheoryData<TrainingSpec, string> Invalid => new()
    {
        { Finetune with { WarmupEpochs = 6 }, "warm-up epochs must be between 0 and 5 (fewer than the 6 epochs of the run), not 6" },
        { Finetune with { WarmupEpochs = -1 }, "warm-up epochs must be between 0 and 5" },
        { Finetune with { StepSize = 0 }, "step size must be between 1 and the 6 epochs of the run, not 0" },
        { Finetune with { StepSize = 7 }, "step size must be between 1 and the 6 epochs of the run, not 7" },
        { Finetune with { StepGamma = 0 }, "step gamma must be above 0 and at most 1" },
        { Finetune with { StepGamma = 1.5 }, "step gamma must be above 0 and at most 1 (the factor applied at every step decay), not 1.5" },
        { Finetune with { Schedule = (LearningRateScheduleKind)9 }, "learning-rate schedule must be one_cycle, step or cosine, not 9" },
        { Finetune with { RotationDegrees = 200 }, "rotation must be between 0 (off) and 180 degrees, not 200" },
        { Finetune with { RotationDegrees = double.NaN }, "rotation must be between 0 (off) and 180 degrees, not NaN" },
        { Finetune with { CropMinScale = 0.05 }, "crop minimum scale must be between 0.08 and 1 (1 = no cropping), not 0.05" },
        { Finetune with { CropMinScale = 1.2 }, "crop minimum scale must be between 0.08 and 1" },
        { Finetune with { ColorJitter = -0.1 }, "colour jitter must be between 0 (off) and 1, not -0.1" },
        { Finetune with { MaxGradientNorm = -1 }, "max gradient norm must be 0 (off) or a positive number, not -1" },
        { Finetune with { MaxGradientNorm = double.PositiveInfinity }, "max gradient norm must be 0 (off) or a positive number, not Infinity" },
        { Finetune with { LabelSmoothing = 0.6 }, "label smoothing must be between 0 (off) and 0.5, not 0.6" },
        { Finetune with { ClassWeighting = (ClassWeighting)5 }, "class weighting must be none or balanced, not 5" },
        { Finetune with { EarlyStoppingPatience = -2 }, "early-stopping patience must be between 0 (off) and 10000 epochs, not -2" },
        { Finetune with { FreezeBackboneEpochs = 7 }, "freeze-backbone epochs must be between 0 and the 6 epochs of the run, not 7" },
        { new TrainingSpec { FreezeBackboneEpochs = 2 }, "freeze-backbone epochs apply to finetune mode only" },
        { new TrainingSpec { RotationDegrees = 10 }, "rotation, crop and colour jitter apply to finetune mode only" },
        { new TrainingSpec { CropMinScale = 0.5 }, "rotation, crop and colour jitter apply to finetune mode only" },
        { new TrainingSpec { ColorJitter = 0.2 }, "rotation, crop and colour jitter apply to finetune mode only" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidValueGivesAMessageNamingTheSettingAndItsRange(TrainingSpec spec, string message)
    {
        ArgumentNullException.ThrowIfNull(spec);

        var problems = spec.Validate();

        var problem = Assert.Single(problems);
        Assert.StartsWith(message, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryValueAtTheEdgeOfItsRangeIsValid()
    {
        var spec = Finetune with
        {
            WarmupEpochs = 5,
            StepSize = 6,
            StepGamma = 1,
            RotationDegrees = 180,
            CropMinScale = 0.08,
            ColorJitter = 1,
            LabelSmoothing = 0.5,
            ClassWeighting = ClassWeighting.Balanced,
            EarlyStoppingPatience = 10_000,
            FreezeBackboneEpochs = 6,
        };

        Assert.Empty(spec.Validate());
    }
}
