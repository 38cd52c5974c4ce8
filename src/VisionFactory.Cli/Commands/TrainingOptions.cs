using System.CommandLine;
using VisionFactory.Domain.Models;

namespace VisionFactory.Cli.Commands;

/// <summary>The hyper-parameter options of <c>vf train</c> (and the shared settings of <c>vf sweep</c>), with the spec's defaults.</summary>
public sealed class TrainingOptions
{
    private static readonly TrainingSpec Defaults = new();

    public Option<string> Architecture { get; } = new("--arch") { Description = "Architecture (see vf zoo list)", DefaultValueFactory = _ => Defaults.Architecture };

    public Option<TrainingMode> Mode { get; } = new("--mode")
    {
        Description = "head: train only the classifier on cached backbone features (seconds); finetune: train every layer",
        DefaultValueFactory = _ => Defaults.Mode,
    };

    public Option<int?> Epochs { get; } = new("--epochs") { Description = "Epochs (default: head 60, finetune 3)" };

    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Images per step", DefaultValueFactory = _ => Defaults.BatchSize };

    public Option<int> ImageSize { get; } = new("--image-size") { Description = "Side of the square input in pixels", DefaultValueFactory = _ => Defaults.ImageSize };

    public Option<double?> LearningRate { get; } = new("--lr") { Description = "Peak learning rate (default: by mode and optimizer)" };

    public Option<OptimizerKind> Optimizer { get; } = new("--optimizer") { Description = "sgd (momentum 0.9) or adamw", DefaultValueFactory = _ => Defaults.Optimizer };

    public Option<double> WeightDecay { get; } = new("--weight-decay") { Description = "Weight decay", DefaultValueFactory = _ => Defaults.WeightDecay };

    public Option<bool> NoFlip { get; } = new("--no-flip") { Description = "Do not flip training images left-right" };

    public Option<LearningRateScheduleKind> Schedule { get; } = new("--schedule")
    {
        Description = "Learning-rate schedule: one-cycle, step or cosine",
        DefaultValueFactory = _ => Defaults.Schedule,
        CustomParser = r => ParseEnum<LearningRateScheduleKind>(r.Tokens[0].Value, "--schedule", r),
    };

    public Option<int> WarmupEpochs { get; } = new("--warmup-epochs") { Description = "Epochs of linear warm-up to the peak learning rate (one-cycle: its rise)", DefaultValueFactory = _ => Defaults.WarmupEpochs };

    public Option<int?> StepSize { get; } = new("--step-size") { Description = "Step schedule: epochs between decays (default: a third of the run)" };

    public Option<double> StepGamma { get; } = new("--step-gamma") { Description = "Step schedule: factor at each decay", DefaultValueFactory = _ => Defaults.StepGamma };

    public Option<double> Rotation { get; } = new("--rotation") { Description = "Finetune: rotate training images at random by up to this many degrees (0: off)", DefaultValueFactory = _ => Defaults.RotationDegrees };

    public Option<double> CropScale { get; } = new("--crop-scale") { Description = "Finetune: random-resized crops of at least this fraction of the area (1: off; e.g. 0.5)", DefaultValueFactory = _ => Defaults.CropMinScale };

    public Option<double> ColorJitter { get; } = new("--color-jitter") { Description = "Finetune: brightness, contrast and saturation jitter strength (0: off; e.g. 0.2)", DefaultValueFactory = _ => Defaults.ColorJitter };

    public Option<double> LabelSmoothing { get; } = new("--label-smoothing") { Description = "Label smoothing of the loss (0 to 0.5)", DefaultValueFactory = _ => Defaults.LabelSmoothing };

    public Option<ClassWeighting> ClassWeighting { get; } = new("--class-weighting")
    {
        Description = "none, or balanced: weigh each class by its inverse frequency in the training split",
        DefaultValueFactory = _ => Defaults.ClassWeighting,
        CustomParser = r => ParseEnum<ClassWeighting>(r.Tokens[0].Value, "--class-weighting", r),
    };

    public Option<int> EarlyStopping { get; } = new("--early-stopping") { Description = "Stop after this many epochs without a better validation loss, keeping the best weights (0: off)", DefaultValueFactory = _ => Defaults.EarlyStoppingPatience };

    public Option<int> FreezeBackboneEpochs { get; } = new("--freeze-backbone-epochs") { Description = "Finetune: train only the head for this many epochs first", DefaultValueFactory = _ => Defaults.FreezeBackboneEpochs };

    public Option<bool> NoHeadFirst { get; } = new("--no-head-first") { Description = "Finetune: start from a zeroed head instead of one trained first on the frozen backbone (LP-FT)" };

    public Option<double> BackboneLrScale { get; } = new("--backbone-lr-scale") { Description = "Finetune: the pretrained layers' learning rate as a share of the head's (1: the same)", DefaultValueFactory = _ => Defaults.BackboneLearningRateScale };

    public Option<double> FinetunedShare { get; } = new("--finetuned-share") { Description = "Finetune: share of the finetuned weights in the kept model, the rest from the start (WiSE-FT; 1: keep them as finetuned)", DefaultValueFactory = _ => Defaults.FinetunedWeightShare };

    public Option<bool> Scratch { get; } = new("--scratch") { Description = "Start from random weights instead of ImageNet-pretrained ones (finetune only)" };

    public Option<int> Seed { get; } = new("--seed") { Description = "Seed for initialisation, shuffling and augmentation", DefaultValueFactory = _ => Defaults.Seed };

    public Option<int> Threads { get; } = new("--threads") { Description = "CPU threads (0: the worker's whole budget)", DefaultValueFactory = _ => Defaults.Threads };

    public void AddTo(Command command, bool withSweepable)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (withSweepable)
        {
            command.Add(Architecture);
            command.Add(Epochs);
            command.Add(BatchSize);
            command.Add(LearningRate);
            command.Add(Optimizer);
            command.Add(WeightDecay);
        }

        foreach (var option in (Option[])[Mode, ImageSize, Schedule, WarmupEpochs, StepSize, StepGamma, NoFlip, Rotation, CropScale, ColorJitter,
            LabelSmoothing, ClassWeighting, EarlyStopping, FreezeBackboneEpochs, NoHeadFirst, BackboneLrScale, FinetunedShare, Scratch, Seed, Threads])
        {
            command.Add(option);
        }
    }

    /// <summary>The spec the options describe; for a sweep, only the settings every run shares.</summary>
    public TrainingSpec ToSpec(ParseResult parse, bool withSweepable)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var spec = Defaults with
        {
            Mode = parse.GetValue(Mode),
            ImageSize = parse.GetValue(ImageSize),
            Schedule = parse.GetValue(Schedule),
            WarmupEpochs = parse.GetValue(WarmupEpochs),
            StepSize = parse.GetValue(StepSize),
            StepGamma = parse.GetValue(StepGamma),
            HorizontalFlip = !parse.GetValue(NoFlip),
            RotationDegrees = parse.GetValue(Rotation),
            CropMinScale = parse.GetValue(CropScale),
            ColorJitter = parse.GetValue(ColorJitter),
            LabelSmoothing = parse.GetValue(LabelSmoothing),
            ClassWeighting = parse.GetValue(ClassWeighting),
            EarlyStoppingPatience = parse.GetValue(EarlyStopping),
            FreezeBackboneEpochs = parse.GetValue(FreezeBackboneEpochs),
            HeadFirst = !parse.GetValue(NoHeadFirst),
            BackboneLearningRateScale = parse.GetValue(BackboneLrScale),
            FinetunedWeightShare = parse.GetValue(FinetunedShare),
            Pretrained = !parse.GetValue(Scratch),
            Seed = parse.GetValue(Seed),
            Threads = parse.GetValue(Threads),
        };
        return !withSweepable ? spec : spec with
        {
            Architecture = parse.GetValue(Architecture) ?? Defaults.Architecture,
            Epochs = parse.GetValue(Epochs),
            BatchSize = parse.GetValue(BatchSize),
            LearningRate = parse.GetValue(LearningRate),
            Optimizer = parse.GetValue(Optimizer),
            WeightDecay = parse.GetValue(WeightDecay),
        };
    }

    /// <summary>Reads an enum option written the way people type it: one-cycle, one_cycle or OneCycle.</summary>
    private static T ParseEnum<T>(string text, string option, System.CommandLine.Parsing.ArgumentResult result)
        where T : struct, Enum
    {
        var key = text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        if (Enum.TryParse<T>(key, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(key, out _))
        {
            return value;
        }

        result.AddError($"{option}: '{text}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(Kebab))}");
        return default;
    }

    private static string Kebab(string name) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(name);
}
