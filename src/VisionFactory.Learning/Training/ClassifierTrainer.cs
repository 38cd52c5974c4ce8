using System.Diagnostics;
using TorchSharp;
using VisionFactory.Domain.Models;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Inference;
using VisionFactory.Domain;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Weights;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Training;

/// <summary>
/// Trains a classifier. Head mode trains a linear head on cached backbone features (seconds); finetune mode trains
/// every layer on augmented images. Both use a one-cycle learning-rate schedule and report every step.
/// </summary>
public sealed class ClassifierTrainer(
    ArchitectureCatalog architectures, PixelSource pixels, FeatureExtractor features, IPretrainedWeightsSource? imported = null)
{
    public TrainingOutcome Train(
        TrainingSpec spec, TrainingData data, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(data);
        TorchNativeLibrary.EnsureLoaded();
        torch.set_num_threads(spec.Threads > 0 ? spec.Threads : Environment.ProcessorCount);
        torch.manual_seed(spec.Seed);

        var architecture = architectures.Get(spec.Architecture);
        if (spec.ImageSize < architecture.MinImageSize)
        {
            throw ProblemException.Invalid($"{architecture.Name} needs images of at least {architecture.MinImageSize} pixels, not {spec.ImageSize}");
        }

        if (spec.Mode == TrainingMode.Head && !architecture.HeadIsLinear)
        {
            throw ProblemException.Invalid($"{architecture.Name}'s classifier is not a single linear layer, so it cannot train head-only: use --mode finetune");
        }

        var network = architecture.Build(data.Classes.Count, spec.ImageSize, loadPretrained: true);
        try
        {
            if (network.BackboneKey is null && imported?.Find(architecture.Name) is { } found)
            {
                var (key, weights) = found;
                try
                {
                    PretrainedLoader.Load(network.Module, weights, network.HeadPath, architecture.Name);
                    network.BackboneKey = key;
                }
                finally
                {
                    foreach (var t in weights.Values)
                    {
                        t.Dispose();
                    }
                }
            }

            if (spec.Mode == TrainingMode.Head && network.BackboneKey is null)
            {
                throw ProblemException.Invalid(
                    $"head-only training needs pretrained weights, and none are available for {architecture.Name} on this installation: " +
                    $"import them with 'vf zoo import-weights {architecture.Name} <file>', or train every layer with --mode finetune");
            }

            var history = spec.Mode == TrainingMode.Head
                ? TrainHead(network, spec, data, progress, cancellationToken)
                : Finetune(network, spec, data, progress, cancellationToken);
            return new TrainingOutcome(network, history, spec.Mode == TrainingMode.Head);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private List<EpochMetrics> TrainHead(
        ClassifierNetwork network, TrainingSpec spec, TrainingData data, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        // Features of every split in one pass: evaluation on the test split then costs nothing more.
        var all = data.Train.Concat(data.Validation).Concat(data.Test).ToList();
        features.Compute(network, all, spec.BatchSize, progress, ct);

        using var xTrain = features.Stack(network, data.Train);
        using var yTrain = Labels(data.Train);
        using var xValidation = features.Stack(network, data.Validation);
        using var yValidation = Labels(data.Validation);

        using var head = nn.Linear(network.FeatureCount, data.Classes.Count);
        var epochs = spec.ResolvedEpochs;
        var stepsPerEpoch = (data.Train.Count + spec.BatchSize - 1) / spec.BatchSize;
        using var optimizer = CreateOptimizer(head.parameters(), spec);
        var schedule = optim.lr_scheduler.OneCycleLR(optimizer, spec.ResolvedLearningRate, total_steps: epochs * stepsPerEpoch);
        var random = new Random(spec.Seed);
        var history = new List<EpochMetrics>();

        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            head.train();
            var order = Enumerable.Range(0, data.Train.Count).ToArray();
            random.Shuffle(order);
            var (lossSum, correct, seen) = (0.0, 0L, 0);
            var lr = schedule.get_last_lr().First();
            for (var start = 0; start < order.Length; start += spec.BatchSize)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var index = tensor(order[start..Math.Min(start + spec.BatchSize, order.Length)].Select(i => (long)i).ToArray());
                var x = xTrain.index_select(0, index);
                var y = yTrain.index_select(0, index);
                var logits = head.call(x);
                var loss = nn.functional.cross_entropy(logits, y);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lr = schedule.get_last_lr().First();
                schedule.step();
                lossSum += loss.item<float>() * x.shape[0];
                correct += logits.argmax(1).eq(y).sum().item<long>();
                seen += (int)x.shape[0];
            }

            var (validationLoss, validationAccuracy) = Validate(head.call, xValidation, yValidation);
            var seconds = clock.Elapsed.TotalSeconds;
            var metrics = new EpochMetrics(
                epoch, lossSum / seen, (double)correct / seen, validationLoss, validationAccuracy, lr, seen / seconds, seconds);
            history.Add(metrics);
            progress?.Report(new TrainingProgress(
                TrainingPhase.TrainingHead, epoch, epochs, epoch, epochs, metrics.TrainLoss, metrics.ValidationAccuracy, lr, metrics.ImagesPerSecond));
        }

        network.SetHead(head.weight!, head.bias!);
        return history;
    }

    private List<EpochMetrics> Finetune(
        ClassifierNetwork network, TrainingSpec spec, TrainingData data, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var size = network.ImageSize;
        progress?.Report(new TrainingProgress(TrainingPhase.LoadingImages, 0, spec.ResolvedEpochs, 0, 1, 0, 0, 0, 0));
        pixels.Prefetch(data.Train.Concat(data.Validation).Select(i => i.Sha256), size, ct);

        var module = network.Module;
        var epochs = spec.ResolvedEpochs;

        // Batch norm cannot train on a single image, so a trailing batch of one is dropped.
        var stepsPerEpoch = data.Train.Count / spec.BatchSize + (data.Train.Count % spec.BatchSize >= 2 ? 1 : 0);
        using var optimizer = CreateOptimizer(module.parameters(), spec);
        var schedule = optim.lr_scheduler.OneCycleLR(
            optimizer, spec.ResolvedLearningRate, total_steps: epochs * stepsPerEpoch, pct_start: 0.15);
        var random = new Random(spec.Seed);
        var history = new List<EpochMetrics>();

        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            module.train();
            var order = data.Train.ToArray();
            random.Shuffle(order);
            var (lossSum, correct, seen) = (0.0, 0L, 0);
            var lr = schedule.get_last_lr().First();
            for (var step = 0; step < stepsPerEpoch; step++)
            {
                ct.ThrowIfCancellationRequested();
                var batch = order.Skip(step * spec.BatchSize).Take(spec.BatchSize).ToList();
                var flips = batch.Select(_ => spec.HorizontalFlip && random.NextDouble() < 0.5).ToList();
                using var scope = NewDisposeScope();
                var raw = BatchAssembler.Assemble(batch.Select(i => pixels.Get(i.Sha256, size)).ToList(), size, network.Input.Bgr, flips);
                var y = Labels(batch);
                var logits = network.Logits(network.Input.Apply(raw));
                var loss = nn.functional.cross_entropy(logits, y);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lr = schedule.get_last_lr().First();
                schedule.step();
                lossSum += loss.item<float>() * batch.Count;
                correct += logits.argmax(1).eq(y).sum().item<long>();
                seen += batch.Count;
                progress?.Report(new TrainingProgress(
                    TrainingPhase.Training, epoch, epochs, step + 1, stepsPerEpoch, lossSum / seen, (double)correct / seen, lr,
                    seen / clock.Elapsed.TotalSeconds));
            }

            var trainSeconds = clock.Elapsed.TotalSeconds;
            progress?.Report(new TrainingProgress(TrainingPhase.Validating, epoch, epochs, 0, data.Validation.Count, lossSum / seen, 0, lr, 0));
            var probabilities = ImageClassifier.Probabilities(network, data.Validation.Select(i => pixels.Get(i.Sha256, size)).ToList(), spec.BatchSize, ct);
            var report = ClassificationMetrics.Compute(data.Validation.Select(i => i.Label).ToList(), probabilities, data.Classes, "validation");
            history.Add(new EpochMetrics(
                epoch, lossSum / seen, (double)correct / seen, report.Loss, report.Accuracy, lr, seen / trainSeconds, clock.Elapsed.TotalSeconds));
            progress?.Report(new TrainingProgress(
                TrainingPhase.Training, epoch, epochs, stepsPerEpoch, stepsPerEpoch, lossSum / seen, report.Accuracy, lr, seen / trainSeconds));
        }

        module.eval();
        return history;
    }

    private static (double Loss, double Accuracy) Validate(Func<Tensor, Tensor> head, Tensor x, Tensor y)
    {
        if (x.shape[0] == 0)
        {
            return (double.NaN, double.NaN);
        }

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var logits = head(x);
        var loss = nn.functional.cross_entropy(logits, y).item<float>();
        var accuracy = logits.argmax(1).eq(y).sum().item<long>() / (double)x.shape[0];
        return (loss, accuracy);
    }

    private static Tensor Labels(IEnumerable<LabelledImage> images) => tensor(images.Select(i => (long)i.Label).ToArray());

    private static optim.Optimizer CreateOptimizer(IEnumerable<TorchSharp.Modules.Parameter> parameters, TrainingSpec spec) =>
        spec.Optimizer switch
        {
            OptimizerKind.AdamW => optim.AdamW(parameters, spec.ResolvedLearningRate, weight_decay: spec.WeightDecay),
            _ => optim.SGD(parameters, spec.ResolvedLearningRate, momentum: 0.9, weight_decay: spec.WeightDecay),
        };
}
