using System.Text.Json.Serialization;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Runs;

namespace VisionFactory.Server.Runs;

/// <summary>
/// A training run to queue: the dataset's name and any <see cref="TrainingSpec"/> settings; an omitted setting takes
/// its default. Unknown fields are rejected so that a typo does not silently train with a default.
/// </summary>
/// <param name="Dataset">The dataset to train on (its newest version). Required.</param>
/// <param name="Architecture">The network, e.g. <c>resnet18-imagenet</c>.</param>
/// <param name="Mode"><c>head</c> (frozen backbone, fast) or <c>finetune</c> (every layer).</param>
/// <param name="Epochs">Epochs; omitted takes the mode's default (head 60, finetune 3).</param>
/// <param name="BatchSize">Images per step.</param>
/// <param name="ImageSize">Side in pixels the images are resized to (32 to 1024).</param>
/// <param name="LearningRate">Peak learning rate; omitted takes the default of the mode and optimizer.</param>
/// <param name="Optimizer"><c>sgd</c> or <c>adam_w</c>.</param>
/// <param name="WeightDecay">Weight decay (0 to 1).</param>
/// <param name="HorizontalFlip">Flip training images left-right at random.</param>
/// <param name="Seed">Seed for every random choice of the run.</param>
/// <param name="Threads">CPU threads; 0 uses the worker's whole budget.</param>
/// <param name="Schedule"><c>one_cycle</c> (default), <c>step</c> or <c>cosine</c>.</param>
/// <param name="WarmupEpochs">Epochs of linear warm-up to the peak learning rate.</param>
/// <param name="StepSize">Step schedule: epochs between decays.</param>
/// <param name="StepGamma">Step schedule: factor at each decay.</param>
/// <param name="RotationDegrees">Finetune: random rotation up to this many degrees (0: off).</param>
/// <param name="CropMinScale">Finetune: random-resized crops of at least this fraction of the area (1: off).</param>
/// <param name="ColorJitter">Finetune: brightness, contrast and saturation jitter strength (0: off).</param>
/// <param name="LabelSmoothing">Label smoothing of the loss (0 to 0.5).</param>
/// <param name="ClassWeighting"><c>none</c> or <c>balanced</c> (inverse class frequency).</param>
/// <param name="EarlyStoppingPatience">Epochs without a better validation loss before stopping (0: off).</param>
/// <param name="FreezeBackboneEpochs">Finetune: epochs that train only the head first.</param>
/// <param name="Pretrained">Start from ImageNet-pretrained weights where available (default), or from scratch.</param>
/// <param name="HeadFirst">Finetune: train the head alone on the frozen backbone first, then finetune from it (LP-FT; default true).</param>
/// <param name="BackboneLearningRateScale">Finetune: the pretrained layers' learning rate as a share of the head's (default 0.1).</param>
/// <param name="FinetunedWeightShare">Finetune: share of the finetuned weights in the kept model, the rest from the start (WiSE-FT; default 0.5, 1 keeps them as finetuned).</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StartRunRequest(
    string? Dataset,
    string? Architecture = null,
    TrainingMode? Mode = null,
    int? Epochs = null,
    int? BatchSize = null,
    int? ImageSize = null,
    double? LearningRate = null,
    OptimizerKind? Optimizer = null,
    double? WeightDecay = null,
    bool? HorizontalFlip = null,
    int? Seed = null,
    int? Threads = null,
    LearningRateScheduleKind? Schedule = null,
    int? WarmupEpochs = null,
    int? StepSize = null,
    double? StepGamma = null,
    double? RotationDegrees = null,
    double? CropMinScale = null,
    double? ColorJitter = null,
    double? LabelSmoothing = null,
    ClassWeighting? ClassWeighting = null,
    int? EarlyStoppingPatience = null,
    int? FreezeBackboneEpochs = null,
    bool? Pretrained = null,
    bool? HeadFirst = null,
    double? BackboneLearningRateScale = null,
    double? FinetunedWeightShare = null)
{
    public TrainingSpec ToSpec()
    {
        var defaults = new TrainingSpec();
        return defaults with
        {
            Architecture = Architecture ?? defaults.Architecture,
            Mode = Mode ?? defaults.Mode,
            Epochs = Epochs,
            BatchSize = BatchSize ?? defaults.BatchSize,
            ImageSize = ImageSize ?? defaults.ImageSize,
            LearningRate = LearningRate,
            Optimizer = Optimizer ?? defaults.Optimizer,
            WeightDecay = WeightDecay ?? defaults.WeightDecay,
            HorizontalFlip = HorizontalFlip ?? defaults.HorizontalFlip,
            Seed = Seed ?? defaults.Seed,
            Threads = Threads ?? defaults.Threads,
            Schedule = Schedule ?? defaults.Schedule,
            WarmupEpochs = WarmupEpochs ?? defaults.WarmupEpochs,
            StepSize = StepSize,
            StepGamma = StepGamma ?? defaults.StepGamma,
            RotationDegrees = RotationDegrees ?? defaults.RotationDegrees,
            CropMinScale = CropMinScale ?? defaults.CropMinScale,
            ColorJitter = ColorJitter ?? defaults.ColorJitter,
            LabelSmoothing = LabelSmoothing ?? defaults.LabelSmoothing,
            ClassWeighting = ClassWeighting ?? defaults.ClassWeighting,
            EarlyStoppingPatience = EarlyStoppingPatience ?? defaults.EarlyStoppingPatience,
            FreezeBackboneEpochs = FreezeBackboneEpochs ?? defaults.FreezeBackboneEpochs,
            Pretrained = Pretrained ?? defaults.Pretrained,
            HeadFirst = HeadFirst ?? defaults.HeadFirst,
            BackboneLearningRateScale = BackboneLearningRateScale ?? defaults.BackboneLearningRateScale,
            FinetunedWeightShare = FinetunedWeightShare ?? defaults.FinetunedWeightShare,
        };
    }
}

/// <summary>A training run as the API shows it.</summary>
/// <param name="Id">The run's id, e.g. <c>r-1a2b3c4d</c>.</param>
/// <param name="Dataset">The dataset it trains on.</param>
/// <param name="Sweep">The sweep that made it, if any.</param>
/// <param name="State"><c>queued</c>, <c>running</c>, <c>succeeded</c>, <c>failed</c>, <c>cancelled</c> or <c>interrupted</c>.</param>
/// <param name="Reason">Why it failed, was cancelled or interrupted.</param>
/// <param name="Progress">The latest progress report; absent before the first one.</param>
/// <param name="Model">The id of the trained model, once the run has succeeded.</param>
/// <param name="Error">Why the run failed, once it has (the same as the reason).</param>
/// <param name="Attempts">How many times a worker has taken the run.</param>
/// <param name="Crashes">How many times its worker vanished while training it (3 fail it as poison).</param>
/// <param name="Worker">The worker holding its lease while it runs.</param>
/// <param name="FencingToken">Grows by one each time a worker takes the run; writes under an older token are refused.</param>
/// <param name="CheckpointEpoch">Epochs completed at its newest checkpoint.</param>
/// <param name="CheckpointStep">Steps of the next epoch done at its newest checkpoint (a run stopped part-way through an epoch).</param>
/// <param name="CancelRequested">Whether a cancel has been asked for.</param>
/// <param name="CreatedAt">When the run was queued.</param>
/// <param name="StartedAt">When training first began.</param>
/// <param name="FinishedAt">When the run succeeded, failed or was cancelled.</param>
/// <param name="Spec">The settings it trains with, defaults filled in.</param>
public sealed record RunStatus(
    string Id,
    string Dataset,
    string? Sweep,
    RunState State,
    string? Reason,
    RunProgress? Progress,
    string? Model,
    string? Error,
    int Attempts,
    int Crashes,
    string? Worker,
    long FencingToken,
    int CheckpointEpoch,
    int CheckpointStep,
    bool CancelRequested,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    TrainingSpec Spec)
{
    public static RunStatus Of(TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new RunStatus(
            run.Id, run.DatasetName, run.SweepId, run.State, run.Reason, run.Progress, run.ModelId,
            run.State == RunState.Failed ? run.Reason : null, run.Attempts, run.Crashes, run.LeaseOwner, run.FencingToken, run.CheckpointEpoch, run.CheckpointStep,
            run.CancelRequested, run.CreatedAt, run.StartedAt, run.FinishedAt, run.Spec);
    }
}

/// <summary>A sweep to start: a dataset, the settings every run shares, and the values to search over.</summary>
/// <param name="Dataset">The dataset to train on. Required.</param>
/// <param name="Strategy"><c>grid</c> (every combination) or <c>random</c> (<c>trials</c> combinations drawn at random).</param>
/// <param name="Trials">For a random search: how many runs.</param>
/// <param name="Base">Settings every run shares, as in <c>POST /api/runs</c> (without <c>dataset</c>).</param>
/// <param name="Architectures">Architectures to try.</param>
/// <param name="LearningRates">Peak learning rates to try.</param>
/// <param name="BatchSizes">Batch sizes to try.</param>
/// <param name="Epochs">Epoch counts to try.</param>
/// <param name="Optimizers">Optimizers to try.</param>
/// <param name="WeightDecays">Weight decays to try.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StartSweepRequest(
    string? Dataset,
    SweepStrategy? Strategy = null,
    int? Trials = null,
    StartRunRequest? Base = null,
    IReadOnlyList<string>? Architectures = null,
    IReadOnlyList<double>? LearningRates = null,
    IReadOnlyList<int>? BatchSizes = null,
    IReadOnlyList<int>? Epochs = null,
    IReadOnlyList<OptimizerKind>? Optimizers = null,
    IReadOnlyList<double>? WeightDecays = null)
{
    public SweepSpec ToSpec()
    {
        var defaults = new SweepSpec();
        return new SweepSpec
        {
            Strategy = Strategy ?? defaults.Strategy,
            Trials = Trials ?? defaults.Trials,
            Base = (Base ?? new StartRunRequest(Dataset)).ToSpec(),
            Architectures = Architectures ?? [],
            LearningRates = LearningRates ?? [],
            BatchSizes = BatchSizes ?? [],
            Epochs = Epochs ?? [],
            Optimizers = Optimizers ?? [],
            WeightDecays = WeightDecays ?? [],
        };
    }
}
