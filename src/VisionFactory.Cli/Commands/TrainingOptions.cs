using System.CommandLine;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Runs;

namespace VisionFactory.Cli.Commands;

/// <summary>
/// The hyper-parameter options of <c>vf train</c> (and the shared settings of <c>vf sweep</c>), with the spec's
/// defaults. Each option is declared once with the setting of the <see cref="TrainingRequest"/> it sets; a new
/// hyper-parameter is one more <c>Add</c> line here.
/// </summary>
public sealed class TrainingOptions
{
    private static readonly TrainingSpec Defaults = new();

    private readonly List<(Option Option, bool Sweepable, Func<TrainingRequest, ParseResult, TrainingRequest> Apply)> options = [];

    public TrainingOptions()
    {
        // Sweepable: vf sweep has its own list-valued options of the same names.
        Add(Sweepable, new Option<string>("--arch") { Description = "Architecture (see vf zoo list)", DefaultValueFactory = _ => Defaults.Architecture },
            (r, v) => r with { Architecture = v });
        Add(Sweepable, new Option<int?>("--epochs") { Description = "Epochs (default: head 60, finetune 3)" }, (r, v) => r with { Epochs = v });
        Add(Sweepable, new Option<int>("--batch-size") { Description = "Images per step", DefaultValueFactory = _ => Defaults.BatchSize },
            (r, v) => r with { BatchSize = v });
        Add(Sweepable, new Option<double?>("--lr") { Description = "Peak learning rate (default: by mode and optimizer)" }, (r, v) => r with { LearningRate = v });
        Add(Sweepable, new Option<OptimizerKind>("--optimizer") { Description = "sgd (momentum 0.9) or adamw", DefaultValueFactory = _ => Defaults.Optimizer },
            (r, v) => r with { Optimizer = v });
        Add(Sweepable, new Option<double>("--weight-decay") { Description = "Weight decay", DefaultValueFactory = _ => Defaults.WeightDecay },
            (r, v) => r with { WeightDecay = v });

        Add(Shared, new Option<TrainingMode>("--mode")
        {
            Description = "head: train only the classifier on cached backbone features (seconds); finetune: train every layer",
            DefaultValueFactory = _ => Defaults.Mode,
        }, (r, v) => r with { Mode = v });
        Add(Shared, new Option<int>("--image-size") { Description = "Side of the square input in pixels", DefaultValueFactory = _ => Defaults.ImageSize },
            (r, v) => r with { ImageSize = v });
        Add(Shared, new Option<double>("--max-grad-norm")
        {
            Description = "Clip the gradients to this global L2 norm before each step (0: off; e.g. 1)", DefaultValueFactory = _ => Defaults.MaxGradientNorm,
        }, (r, v) => r with { MaxGradientNorm = v });
        Add(Shared, new Option<LearningRateScheduleKind>("--schedule")
        {
            Description = "Learning-rate schedule: one-cycle, step or cosine",
            DefaultValueFactory = _ => Defaults.Schedule,
            CustomParser = r => ParseEnum<LearningRateScheduleKind>(r.Tokens[0].Value, "--schedule", r),
        }, (r, v) => r with { Schedule = v });
        Add(Shared, new Option<int>("--warmup-epochs")
        {
            Description = "Epochs of linear warm-up to the peak learning rate (one-cycle: its rise)", DefaultValueFactory = _ => Defaults.WarmupEpochs,
        }, (r, v) => r with { WarmupEpochs = v });
        Add(Shared, new Option<int?>("--step-size") { Description = "Step schedule: epochs between decays (default: a third of the run)" },
            (r, v) => r with { StepSize = v });
        Add(Shared, new Option<double>("--step-gamma") { Description = "Step schedule: factor at each decay", DefaultValueFactory = _ => Defaults.StepGamma },
            (r, v) => r with { StepGamma = v });
        Add(Shared, new Option<bool>("--no-flip") { Description = "Do not flip training images left-right" }, (r, v) => r with { HorizontalFlip = !v });
        Add(Shared, new Option<double>("--rotation")
        {
            Description = "Finetune: rotate training images at random by up to this many degrees (0: off)", DefaultValueFactory = _ => Defaults.RotationDegrees,
        }, (r, v) => r with { RotationDegrees = v });
        Add(Shared, new Option<double>("--crop-scale")
        {
            Description = "Finetune: random-resized crops of at least this fraction of the area (1: off; e.g. 0.5)", DefaultValueFactory = _ => Defaults.CropMinScale,
        }, (r, v) => r with { CropMinScale = v });
        Add(Shared, new Option<double>("--color-jitter")
        {
            Description = "Finetune: brightness, contrast and saturation jitter strength (0: off; e.g. 0.2)", DefaultValueFactory = _ => Defaults.ColorJitter,
        }, (r, v) => r with { ColorJitter = v });
        Add(Shared, new Option<double>("--label-smoothing") { Description = "Label smoothing of the loss (0 to 0.5)", DefaultValueFactory = _ => Defaults.LabelSmoothing },
            (r, v) => r with { LabelSmoothing = v });
        Add(Shared, new Option<ClassWeighting>("--class-weighting")
        {
            Description = "none, or balanced: weigh each class by its inverse frequency in the training split",
            DefaultValueFactory = _ => Defaults.ClassWeighting,
            CustomParser = r => ParseEnum<ClassWeighting>(r.Tokens[0].Value, "--class-weighting", r),
        }, (r, v) => r with { ClassWeighting = v });
        Add(Shared, new Option<int>("--early-stopping")
        {
            Description = "Stop after this many epochs without a better validation loss, keeping the best weights (0: off)",
            DefaultValueFactory = _ => Defaults.EarlyStoppingPatience,
        }, (r, v) => r with { EarlyStoppingPatience = v });
        Add(Shared, new Option<int>("--freeze-backbone-epochs")
        {
            Description = "Finetune: train only the head for this many epochs first", DefaultValueFactory = _ => Defaults.FreezeBackboneEpochs,
        }, (r, v) => r with { FreezeBackboneEpochs = v });
        Add(Shared, new Option<bool>("--no-head-first")
        {
            Description = "Finetune: start from a zeroed head instead of one trained first on the frozen backbone (LP-FT)",
        }, (r, v) => r with { HeadFirst = !v });
        Add(Shared, new Option<double>("--backbone-lr-scale")
        {
            Description = "Finetune: the pretrained layers' learning rate as a share of the head's (1: the same)", DefaultValueFactory = _ => Defaults.BackboneLearningRateScale,
        }, (r, v) => r with { BackboneLearningRateScale = v });
        Add(Shared, new Option<double>("--finetuned-share")
        {
            Description = "Finetune: share of the finetuned weights in the kept model, the rest from the start (WiSE-FT; 1: keep them as finetuned)",
            DefaultValueFactory = _ => Defaults.FinetunedWeightShare,
        }, (r, v) => r with { FinetunedWeightShare = v });
        Add(Shared, new Option<bool>("--estimate-batch-norm")
        {
            Description = "Finetune: estimate the batch norms' statistics again on the training images instead of keeping the pretrained ones",
        }, (r, v) => r with { KeepBatchNormStatistics = !v });
        Add(Shared, new Option<bool>("--scratch") { Description = "Start from random weights instead of ImageNet-pretrained ones (finetune only)" },
            (r, v) => r with { Pretrained = !v });
        Add(Shared, new Option<int>("--seed") { Description = "Seed for initialisation, shuffling and augmentation", DefaultValueFactory = _ => Defaults.Seed },
            (r, v) => r with { Seed = v });
        Add(Shared, new Option<int>("--threads") { Description = "CPU threads (0: the worker's whole budget)", DefaultValueFactory = _ => Defaults.Threads },
            (r, v) => r with { Threads = v });
    }

    private const bool Sweepable = true;

    private const bool Shared = false;

    public void AddTo(Command command, bool withSweepable)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var (option, _, _) in Selected(withSweepable))
        {
            command.Add(option);
        }
    }

    /// <summary>The request the options describe; for a sweep, only the settings every run shares.</summary>
    public TrainingRequest ToRequest(ParseResult parse, string? dataset, bool withSweepable)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return Selected(withSweepable).Aggregate(new TrainingRequest { Dataset = dataset }, (request, o) => o.Apply(request, parse));
    }

    private IEnumerable<(Option Option, bool Sweepable, Func<TrainingRequest, ParseResult, TrainingRequest> Apply)> Selected(bool withSweepable) =>
        options.Where(o => withSweepable || !o.Sweepable);

    private void Add<T>(bool sweepable, Option<T> option, Func<TrainingRequest, T, TrainingRequest> apply) =>
        options.Add((option, sweepable, (request, parse) => apply(request, parse.GetValue(option)!)));

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
