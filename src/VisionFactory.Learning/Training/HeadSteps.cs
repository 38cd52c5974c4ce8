using TorchSharp.Modules;
using VisionFactory.Domain.Models;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Inference;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Training;

/// <summary>
/// Head mode: a linear head trains on backbone features computed once and cached. The features are of the unaugmented
/// images, so augmentation does not apply here.
/// </summary>
internal sealed class HeadSteps : ITrainingSteps, IDisposable
{
    private readonly ClassifierNetwork network;
    private readonly TrainingSpec spec;
    private readonly TrainingLoss loss;
    private readonly Tensor xTrain;
    private readonly Tensor yTrain;
    private readonly Tensor xValidation;
    private readonly Tensor yValidation;
    private readonly Linear head;

    public HeadSteps(
        ClassifierNetwork network, TrainingSpec spec, TrainingData data, FeatureExtractor features, TrainingLoss loss,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        this.network = network;
        this.spec = spec;
        this.loss = loss;

        // Features of every split in one pass: evaluation on the test split then costs nothing more.
        features.Compute(network, [.. data.Train, .. data.Validation, .. data.Test], spec.BatchSize, progress, cancellationToken);
        xTrain = features.Stack(network, data.Train);
        yTrain = ClassifierTrainer.Labels(data.Train);
        using (var stacked = features.Stack(network, data.Validation))
        {
            // Stacked tensors wrap a managed array, whose alignment varies; the matrix product's rounding may follow it.
            xValidation = stacked.clone();
        }

        yValidation = ClassifierTrainer.Labels(data.Validation);
        head = nn.Linear(network.FeatureCount, data.Classes.Count);
        Optimizer = ClassifierTrainer.CreateOptimizer(head.parameters(), spec);
        StepsPerEpoch = (data.Train.Count + spec.BatchSize - 1) / spec.BatchSize;
    }

    public nn.Module Trainable => head;

    public OptimizerHelper Optimizer { get; }

    public int StepsPerEpoch { get; }

    public IReadOnlyList<double> LearningRateScales { get; } = [1.0];

    public void BeginEpoch(int epoch) => head.train();

    public (double LossSum, long Correct, int Count) Step(int epoch, int step, IReadOnlyList<int> batch)
    {
        using var scope = NewDisposeScope();
        var index = tensor(batch.Select(i => (long)i).ToArray());
        var x = xTrain.index_select(0, index);
        var y = yTrain.index_select(0, index);
        var logits = head.call(x);
        var value = loss.Compute(logits, y);
        Optimizer.zero_grad();
        value.backward();
        ClassifierTrainer.ClipGradients(head.parameters(), spec);
        Optimizer.step();
        return (value.item<float>() * batch.Count, logits.argmax(1).eq(y).sum().item<long>(), batch.Count);
    }

    public (double Loss, double Accuracy) Validate(CancellationToken cancellationToken)
    {
        if (xValidation.shape[0] == 0)
        {
            return (double.NaN, double.NaN);
        }

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var logits = head.call(xValidation);
        var validationLoss = nn.functional.cross_entropy(logits, yValidation).item<float>();
        var accuracy = logits.argmax(1).eq(yValidation).sum().item<long>() / (double)xValidation.shape[0];
        return (validationLoss, accuracy);
    }

    /// <summary>Copies the trained head into the network.</summary>
    public void Finish()
    {
        // SetHead leaves its reshaped copy of the weight to the caller's scope.
        using var scope = NewDisposeScope();
        network.SetHead(head.weight!, head.bias!);
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        head.Dispose();
        xTrain.Dispose();
        yTrain.Dispose();
        xValidation.Dispose();
        yValidation.Dispose();
    }
}
