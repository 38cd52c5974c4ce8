namespace VisionFactory.Domain.Models;

/// <summary>Everything that decides what a run produces, with defaults that give a good first model.</summary>
public sealed record TrainingSpec
{
    public string Architecture { get; init; } = "resnet18-imagenet";

    public TrainingMode Mode { get; init; } = TrainingMode.Head;

    /// <summary>Epochs; null takes the mode's default (head: 60 over cached features, finetune: 3).</summary>
    public int? Epochs { get; init; }

    public int BatchSize { get; init; } = 32;

    public int ImageSize { get; init; } = 224;

    /// <summary>Peak learning rate; null takes the default of the mode and optimizer.</summary>
    public double? LearningRate { get; init; }

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>Flip training images left-right with probability 0.5.</summary>
    public bool HorizontalFlip { get; init; } = true;

    public int Seed { get; init; } = 42;

    /// <summary>CPU threads for the tensor library; 0 uses every core.</summary>
    public int Threads { get; init; }

    public int ResolvedEpochs => Epochs ?? (Mode == TrainingMode.Head ? 60 : 3);

    public double ResolvedLearningRate => LearningRate ?? (Mode, Optimizer) switch
    {
        (TrainingMode.Head, OptimizerKind.Sgd) => 0.05,
        (TrainingMode.Head, OptimizerKind.AdamW) => 1e-3,
        (TrainingMode.Finetune, OptimizerKind.Sgd) => 0.01,
        _ => 1e-4,
    };

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

        if (LearningRate is <= 0 or > 10)
        {
            problems.Add($"learning rate must be above 0 and at most 10, not {LearningRate}");
        }

        if (WeightDecay is < 0 or > 1)
        {
            problems.Add($"weight decay must be between 0 and 1, not {WeightDecay}");
        }

        if (Threads < 0)
        {
            problems.Add($"threads must be 0 (all cores) or more, not {Threads}");
        }

        return problems;
    }
}
