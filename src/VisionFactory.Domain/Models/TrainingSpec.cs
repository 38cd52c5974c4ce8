using System.Globalization;

namespace VisionFactory.Domain.Models;

/// <summary>
/// Everything that decides what a run produces: dataset aside, the architecture, its starting weights (the mode) and
/// every hyper-parameter, each with a default that gives a good first model. Not sealed: the request to train one
/// (<c>TrainingRequest</c>) is these settings plus the dataset, so that a new setting is declared once.
/// </summary>
public record TrainingSpec
{
    /// <summary>The network, e.g. <c>resnet18-imagenet</c>.</summary>
    public string Architecture { get; init; } = "resnet18-imagenet";

    /// <summary><c>head</c> (frozen backbone, fast) or <c>finetune</c> (every layer).</summary>
    public TrainingMode Mode { get; init; } = TrainingMode.Head;

    /// <summary>Epochs; null takes the mode's default (head: 60 over cached features, finetune: 3).</summary>
    public int? Epochs { get; init; }

    /// <summary>Images per step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Side in pixels the images are resized to (32 to 1024).</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>Peak learning rate; null takes the default of the mode and optimizer.</summary>
    public double? LearningRate { get; init; }

    /// <summary><c>sgd</c> (momentum 0.9) or <c>adam_w</c>.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>Weight decay (0 to 1).</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>
    /// Gradient clipping: before each step, the gradients are scaled down so that their global L2 norm is at most this
    /// (0 = off). Keeps a bad batch or a high learning rate from throwing the weights far off.
    /// </summary>
    public double MaxGradientNorm { get; init; }

    /// <summary>How the learning rate moves from step to step; one-cycle by default.</summary>
    public LearningRateScheduleKind Schedule { get; init; } = LearningRateScheduleKind.OneCycle;

    /// <summary>
    /// Epochs over which the learning rate ramps linearly from about 0 to its peak before the schedule starts (0 = none).
    /// For the one-cycle schedule, whose own rise is its warm-up, this sets how long the rise lasts.
    /// </summary>
    public int WarmupEpochs { get; init; }

    /// <summary>Step schedule: epochs between two decays; null takes a third of the epochs (at least 1).</summary>
    public int? StepSize { get; init; }

    /// <summary>Step schedule: the factor applied to the learning rate at every decay.</summary>
    public double StepGamma { get; init; } = 0.1;

    /// <summary>Flip training images left-right with probability 0.5 (finetune mode).</summary>
    public bool HorizontalFlip { get; init; } = true;

    /// <summary>Rotate training images by a random angle of up to this many degrees either way (finetune mode; 0 = off).</summary>
    public double RotationDegrees { get; init; }

    /// <summary>
    /// Random-resized crop (finetune mode): the smallest share of the image's area a crop keeps, e.g. 0.5 for crops of
    /// 50-100% of the area with an aspect ratio between 3/4 and 4/3, resized back to the input size; 1 = off.
    /// </summary>
    public double CropMinScale { get; init; } = 1.0;

    /// <summary>
    /// Colour jitter (finetune mode): brightness, contrast and saturation each scaled by a random factor in
    /// [1 - strength, 1 + strength]; 0 = off.
    /// </summary>
    public double ColorJitter { get; init; }

    /// <summary>Share of the target probability spread evenly over all classes (0 = plain one-hot targets).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>How much each class counts in the loss; <see cref="ClassWeighting.Balanced"/> helps imbalanced datasets.</summary>
    public ClassWeighting ClassWeighting { get; init; } = ClassWeighting.None;

    /// <summary>
    /// Stop after this many epochs in a row without a lower validation loss, keeping the weights of the best epoch
    /// (0 = off, every epoch runs).
    /// </summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>Finetune mode: epochs at the start during which only the classifier head trains (0 = none).</summary>
    public int FreezeBackboneEpochs { get; init; }

    /// <summary>
    /// Finetune of a pretrained network: before any layer moves, the head trains alone to convergence on the
    /// backbone's cached features (60 epochs, as head mode), and finetuning starts from that head (LP-FT, Kumar et al.,
    /// ICLR 2022). A converged head sends small, meaningful gradients into the backbone, so the pretrained features
    /// are refined rather than distorted towards whatever shortcut separates the training images.
    /// </summary>
    public bool HeadFirst { get; init; } = true;

    /// <summary>
    /// Finetune mode: the backbone's learning rate as a share of the head's (1 = the same). Pretrained layers need
    /// small steps; a fresh head needs large ones.
    /// </summary>
    public double BackboneLearningRateScale { get; init; } = 0.1;

    /// <summary>
    /// Finetune of a pretrained network with <see cref="HeadFirst"/>: the share of the finetuned weights in the model
    /// kept, the rest being the pretrained backbone under the head trained first (WiSE-FT, Wortsman et al., CVPR 2022:
    /// the average of the two keeps the finetune's accuracy on its own images and the pretrained network's robustness
    /// on others). 1 keeps the finetuned weights as they are.
    /// </summary>
    public double FinetunedWeightShare { get; init; } = 0.5;

    /// <summary>
    /// Finetune of a pretrained network: the backbone's batch norms keep the running statistics they were pretrained
    /// with (they normalise in evaluation mode while their scales and shifts still train). Statistics re-estimated on
    /// a few hundred images of one source, 32 at a time, are noisy and fitted to that source's look, so the network
    /// would normalise another camera's pictures by the wrong figures; the pretrained ones were measured on over a
    /// million varied photos (the practice of Keras's transfer-learning guide and of detection finetuning's frozen
    /// batch norm). False re-estimates them on the training images.
    /// </summary>
    public bool KeepBatchNormStatistics { get; init; } = true;

    /// <summary>
    /// Start from ImageNet-pretrained weights where this installation has them (bundled, or imported with
    /// <c>vf zoo import-weights</c>); false starts from random weights (from scratch). Head mode needs them.
    /// </summary>
    public bool Pretrained { get; init; } = true;

    /// <summary>Seed for every random choice of the run.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>CPU threads for the tensor library; 0 uses every core.</summary>
    public int Threads { get; init; }

    /// <summary>These settings alone, as a run stores them: a copy without whatever a derived request adds.</summary>
    public TrainingSpec ToSpec() => new(this);

    public int ResolvedEpochs => Epochs ?? (Mode == TrainingMode.Head ? 60 : 3);

    public double ResolvedLearningRate => LearningRate ?? (Mode, Optimizer) switch
    {
        (TrainingMode.Head, OptimizerKind.Sgd) => 0.05,
        (TrainingMode.Head, OptimizerKind.AdamW) => 1e-3,
        (TrainingMode.Finetune, OptimizerKind.Sgd) => 0.01,
        _ => 1e-4,
    };

    public int ResolvedStepSize => StepSize ?? Math.Max(1, ResolvedEpochs / 3);

    /// <summary>Returns the problems with this spec, empty when it can run.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Epochs is < 1 or > 10_000)
        {
            problems.Add($"epochs must be between 1 and 10000, not {Epochs}");
        }

        if (BatchSize is < 1 or > 4096)
        {
            problems.Add($"batch size must be between 1 and 4096, not {BatchSize}");
        }

        if (ImageSize is < 32 or > 1024)
        {
            problems.Add($"image size must be between 32 and 1024 pixels, not {ImageSize}");
        }

        if (LearningRate is <= 0 or > 10 || (LearningRate is { } rate && double.IsNaN(rate)))
        {
            problems.Add($"learning rate must be above 0 and at most 10, not {Show(LearningRate)}");
        }

        if (WeightDecay is < 0 or > 1 || double.IsNaN(WeightDecay))
        {
            problems.Add($"weight decay must be between 0 and 1, not {Show(WeightDecay)}");
        }

        if (MaxGradientNorm < 0 || !double.IsFinite(MaxGradientNorm))
        {
            problems.Add($"max gradient norm must be 0 (off) or a positive number, not {Show(MaxGradientNorm)}");
        }

        ValidateSchedule(problems);
        ValidateAugmentation(problems);
        ValidateLoss(problems);
        ValidateEpochPlan(problems);

        if (Threads < 0)
        {
            problems.Add($"threads must be 0 (all cores) or more, not {Threads}");
        }

        return problems;
    }

    private void ValidateSchedule(List<string> problems)
    {
        if (!Enum.IsDefined(Schedule))
        {
            problems.Add($"learning-rate schedule must be one_cycle, step or cosine, not {(int)Schedule}");
        }

        var epochs = Math.Clamp(ResolvedEpochs, 1, 10_000);
        if (WarmupEpochs < 0 || WarmupEpochs >= epochs)
        {
            problems.Add(
                $"warm-up epochs must be between 0 and {epochs - 1} (fewer than the {epochs} epochs of the run), not {WarmupEpochs}");
        }

        if (StepSize is { } size && (size < 1 || size > epochs))
        {
            problems.Add($"step size must be between 1 and the {epochs} epochs of the run, not {size}");
        }

        if (StepGamma is <= 0 or > 1 || double.IsNaN(StepGamma))
        {
            problems.Add($"step gamma must be above 0 and at most 1 (the factor applied at every step decay), not {Show(StepGamma)}");
        }
    }

    private void ValidateAugmentation(List<string> problems)
    {
        if (RotationDegrees is < 0 or > 180 || double.IsNaN(RotationDegrees))
        {
            problems.Add($"rotation must be between 0 (off) and 180 degrees, not {Show(RotationDegrees)}");
        }

        if (CropMinScale is < 0.08 or > 1 || double.IsNaN(CropMinScale))
        {
            problems.Add($"crop minimum scale must be between 0.08 and 1 (1 = no cropping), not {Show(CropMinScale)}");
        }

        if (ColorJitter is < 0 or > 1 || double.IsNaN(ColorJitter))
        {
            problems.Add($"colour jitter must be between 0 (off) and 1, not {Show(ColorJitter)}");
        }

        if (Mode == TrainingMode.Head && AugmentsBeyondFlip())
        {
            problems.Add(
                "rotation, crop and colour jitter apply to finetune mode only: head mode trains on features cached from the " +
                "unaugmented images; use --mode finetune or leave them off");
        }
    }

    private void ValidateLoss(List<string> problems)
    {
        if (LabelSmoothing is < 0 or > 0.5 || double.IsNaN(LabelSmoothing))
        {
            problems.Add($"label smoothing must be between 0 (off) and 0.5, not {Show(LabelSmoothing)}");
        }

        if (!Enum.IsDefined(ClassWeighting))
        {
            problems.Add($"class weighting must be none or balanced, not {(int)ClassWeighting}");
        }
    }

    private void ValidateEpochPlan(List<string> problems)
    {
        if (EarlyStoppingPatience is < 0 or > 10_000)
        {
            problems.Add($"early-stopping patience must be between 0 (off) and 10000 epochs, not {EarlyStoppingPatience}");
        }

        var epochs = Math.Clamp(ResolvedEpochs, 1, 10_000);
        if (FreezeBackboneEpochs < 0 || FreezeBackboneEpochs > epochs)
        {
            problems.Add($"freeze-backbone epochs must be between 0 and the {epochs} epochs of the run, not {FreezeBackboneEpochs}");
        }
        else if (Mode == TrainingMode.Head && FreezeBackboneEpochs > 0)
        {
            problems.Add(
                "freeze-backbone epochs apply to finetune mode only: head mode keeps the backbone frozen throughout; " +
                "use --mode finetune or leave it at 0");
        }

        if (BackboneLearningRateScale is <= 0 or > 1 || double.IsNaN(BackboneLearningRateScale))
        {
            problems.Add($"backbone learning-rate scale must be above 0 and at most 1 (the share of the head's learning rate), not {Show(BackboneLearningRateScale)}");
        }

        if (FinetunedWeightShare is <= 0 or > 1 || double.IsNaN(FinetunedWeightShare))
        {
            problems.Add($"finetuned weight share must be above 0 and at most 1 (1 keeps the finetuned weights as they are), not {Show(FinetunedWeightShare)}");
        }

        if (Mode == TrainingMode.Head && !Pretrained)
        {
            problems.Add("head mode trains a classifier on pretrained features, so it cannot start from scratch: use --mode finetune");
        }
    }

    private bool AugmentsBeyondFlip() => RotationDegrees > 0 || CropMinScale < 1 || ColorJitter > 0;

    private static string Show(double? value) =>
        value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "unset";
}
