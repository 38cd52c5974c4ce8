using TorchSharp.Modules;
using VisionFactory.Domain.Models;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Augmentation;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Inference;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Training;

/// <summary>Finetune mode: every layer trains (after the frozen-backbone epochs) on augmented images.</summary>
internal sealed class FinetuneSteps : ITrainingSteps, IDisposable
{
    private readonly ClassifierNetwork network;
    private readonly TrainingSpec spec;
    private readonly TrainingData data;
    private readonly PixelSource pixels;
    private readonly TrainingLoss loss;
    private readonly AugmentationPolicy augmentation;
    private readonly BackboneFreeze freeze;

    public FinetuneSteps(ClassifierNetwork network, TrainingSpec spec, TrainingData data, PixelSource pixels, TrainingLoss loss)
    {
        this.network = network;
        this.spec = spec;
        this.data = data;
        this.pixels = pixels;
        this.loss = loss;
        augmentation = AugmentationPolicy.For(spec);
        freeze = new BackboneFreeze(network);

        // Batch norm cannot train on a single image, so a trailing batch of one is dropped.
        StepsPerEpoch = (data.Train.Count / spec.BatchSize) + (data.Train.Count % spec.BatchSize >= 2 ? 1 : 0);
        // The pretrained layers take smaller steps than the head (a network without pretrained weights learns at one rate).
        var backboneScale = network.BackboneKey is null ? 1.0 : spec.BackboneLearningRateScale;
        var headPrefix = network.HeadPath + ".";
        var parameters = network.Module.named_parameters().ToList();
        var head = parameters.Where(p => p.name.StartsWith(headPrefix, StringComparison.Ordinal)).Select(p => p.parameter).ToList();
        var backbone = parameters.Where(p => !p.name.StartsWith(headPrefix, StringComparison.Ordinal)).Select(p => p.parameter).ToList();
        LearningRateScales = [backboneScale, 1.0];
        Optimizer = ClassifierTrainer.CreateOptimizer([(backbone, backboneScale), (head, 1.0)], spec);
    }

    public IReadOnlyList<double> LearningRateScales { get; }

    public nn.Module Trainable => network.Module;

    public OptimizerHelper Optimizer { get; }

    public int StepsPerEpoch { get; }

    // Pretrained batch-norm statistics are kept where the spec says so; a network without pretrained weights has none worth keeping.
    public void BeginEpoch(int epoch) =>
        freeze.Train(frozen: epoch <= spec.FreezeBackboneEpochs, keepStatistics: spec.KeepBatchNormStatistics && network.BackboneKey is not null);

    public (double LossSum, long Correct, int Count) Step(int epoch, int step, IReadOnlyList<int> batch)
    {
        var images = batch.Select(i => data.Train[i]).ToList();
        var draws = augmentation.Draw(new StableRandom(spec.Seed, EpochLoop.AugmentationStream, epoch, step), images.Count);
        using var scope = NewDisposeScope();
        var size = network.ImageSize;
        var raw = BatchAssembler.Assemble(images.Select(i => pixels.Get(i.Sha256, size, network.Fit)).ToList(), size, network.Input.Bgr, draws.Select(d => d.Flip).ToList());
        var augmented = AugmentationPolicy.Apply(raw, draws, network.Input.Bgr);
        var y = ClassifierTrainer.Labels(images);
        var logits = network.Logits(network.Input.Apply(augmented));
        var value = loss.Compute(logits, y);
        Optimizer.zero_grad();
        value.backward();
        ClassifierTrainer.ClipGradients(network.Module.parameters(), spec);
        Optimizer.step();
        return (value.item<float>() * images.Count, logits.argmax(1).eq(y).sum().item<long>(), images.Count);
    }

    public (double Loss, double Accuracy) Validate(CancellationToken cancellationToken)
    {
        var size = network.ImageSize;
        var probabilities = ImageClassifier.Probabilities(
            network, data.Validation.Select(i => pixels.Get(i.Sha256, size, network.Fit)).ToList(), spec.BatchSize, cancellationToken);
        var report = ClassificationMetrics.Compute(data.Validation.Select(i => i.Label).ToList(), probabilities, data.Classes, "validation");
        return (report.Loss, report.Accuracy);
    }

    /// <summary>Leaves the network as a finished one: every parameter trainable, evaluation mode.</summary>
    public void Finish() => freeze.Release();

    public void Dispose() => Optimizer.Dispose();
}
