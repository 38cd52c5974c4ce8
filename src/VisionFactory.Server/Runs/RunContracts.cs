using System.Text.Json.Serialization;
using VisionFactory.Domain.Models;
using VisionFactory.Learning.Training;

namespace VisionFactory.Server.Runs;

/// <summary>
/// A training run to start: the dataset's name and any <see cref="TrainingSpec"/> settings; an omitted setting takes
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
/// <param name="Threads">CPU threads; 0 uses every core.</param>
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
    int? Threads = null)
{
    public TrainingSpec ToSpec()
    {
        var defaults = new TrainingSpec();
        return new TrainingSpec
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
        };
    }
}

/// <summary>A training run as the API shows it.</summary>
/// <param name="Id">The run's id, e.g. <c>r-1a2b3c4d</c>.</param>
/// <param name="Dataset">The dataset it trains on.</param>
/// <param name="State"><c>queued</c>, <c>running</c>, <c>succeeded</c> or <c>failed</c>.</param>
/// <param name="Progress">The latest progress report; absent before the first one.</param>
/// <param name="Model">The id of the trained model, once the run has succeeded.</param>
/// <param name="Error">Why the run failed, once it has.</param>
/// <param name="CreatedAt">When the run was submitted.</param>
/// <param name="StartedAt">When training began.</param>
/// <param name="FinishedAt">When the run succeeded or failed.</param>
/// <param name="Spec">The settings it trains with, defaults filled in.</param>
public sealed record RunStatus(
    string Id,
    string Dataset,
    RunState State,
    RunProgress? Progress,
    string? Model,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    TrainingSpec Spec);

/// <summary>How far a run has come.</summary>
/// <param name="Phase"><c>loading_images</c>, <c>computing_features</c>, <c>training</c>, <c>validating</c> or <c>evaluating</c>.</param>
/// <param name="Epoch">The current epoch, from 1.</param>
/// <param name="Epochs">Epochs in all.</param>
/// <param name="Done">Steps or images done in the current phase.</param>
/// <param name="Total">Steps or images in the current phase.</param>
/// <param name="Loss">The running training loss.</param>
/// <param name="Accuracy">The running training accuracy.</param>
/// <param name="LearningRate">The current learning rate.</param>
/// <param name="ImagesPerSecond">Throughput.</param>
public sealed record RunProgress(
    TrainingPhase Phase,
    int Epoch,
    int Epochs,
    int Done,
    int Total,
    double Loss,
    double Accuracy,
    double LearningRate,
    double ImagesPerSecond);
