using VisionFactory.Domain.Models;

namespace VisionFactory.Server.Components.Pages.Factory;

/// <summary>The new-run form's fields: every setting of a <see cref="TrainingSpec"/>, starting from its defaults.</summary>
public sealed class RunSettings
{
    private static readonly TrainingSpec Defaults = new();

    public string? Dataset { get; set; }

    public string Architecture { get; set; } = Defaults.Architecture;

    public TrainingMode Mode { get; set; } = Defaults.Mode;

    public int? Epochs { get; set; } = Defaults.Epochs;

    public int BatchSize { get; set; } = Defaults.BatchSize;

    public int ImageSize { get; set; } = Defaults.ImageSize;

    public double? LearningRate { get; set; } = Defaults.LearningRate;

    public OptimizerKind Optimizer { get; set; } = Defaults.Optimizer;

    public double WeightDecay { get; set; } = Defaults.WeightDecay;

    public LearningRateScheduleKind Schedule { get; set; } = Defaults.Schedule;

    public int WarmupEpochs { get; set; } = Defaults.WarmupEpochs;

    public int? StepSize { get; set; } = Defaults.StepSize;

    public double StepGamma { get; set; } = Defaults.StepGamma;

    public bool HorizontalFlip { get; set; } = Defaults.HorizontalFlip;

    public double RotationDegrees { get; set; } = Defaults.RotationDegrees;

    public double CropMinScale { get; set; } = Defaults.CropMinScale;

    public double ColorJitter { get; set; } = Defaults.ColorJitter;

    public double LabelSmoothing { get; set; } = Defaults.LabelSmoothing;

    public ClassWeighting ClassWeighting { get; set; } = Defaults.ClassWeighting;

    public int EarlyStoppingPatience { get; set; } = Defaults.EarlyStoppingPatience;

    public int FreezeBackboneEpochs { get; set; } = Defaults.FreezeBackboneEpochs;

    public bool HeadFirst { get; set; } = Defaults.HeadFirst;

    public double BackboneLearningRateScale { get; set; } = Defaults.BackboneLearningRateScale;

    public double FinetunedWeightShare { get; set; } = Defaults.FinetunedWeightShare;

    public bool Pretrained { get; set; } = Defaults.Pretrained;

    public int Seed { get; set; } = Defaults.Seed;

    public int Threads { get; set; } = Defaults.Threads;

    /// <summary>What the empty epochs field means for the chosen mode.</summary>
    public int DefaultEpochs => (Defaults with { Mode = Mode }).ResolvedEpochs;

    /// <summary>What the empty learning-rate field means for the chosen mode and optimizer.</summary>
    public double DefaultLearningRate => (Defaults with { Mode = Mode, Optimizer = Optimizer }).ResolvedLearningRate;

    public TrainingSpec ToSpec() => new()
    {
        Architecture = Architecture,
        Mode = Mode,
        Epochs = Epochs,
        BatchSize = BatchSize,
        ImageSize = ImageSize,
        LearningRate = LearningRate,
        Optimizer = Optimizer,
        WeightDecay = WeightDecay,
        Schedule = Schedule,
        WarmupEpochs = WarmupEpochs,
        StepSize = StepSize,
        StepGamma = StepGamma,
        HorizontalFlip = HorizontalFlip,
        RotationDegrees = RotationDegrees,
        CropMinScale = CropMinScale,
        ColorJitter = ColorJitter,
        LabelSmoothing = LabelSmoothing,
        ClassWeighting = ClassWeighting,
        EarlyStoppingPatience = EarlyStoppingPatience,
        FreezeBackboneEpochs = FreezeBackboneEpochs,
        HeadFirst = HeadFirst,
        BackboneLearningRateScale = BackboneLearningRateScale,
        FinetunedWeightShare = FinetunedWeightShare,
        Pretrained = Pretrained,
        Seed = Seed,
        Threads = Threads,
    };
}
