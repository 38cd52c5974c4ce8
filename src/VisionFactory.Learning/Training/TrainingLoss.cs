using TorchSharp;
using VisionFactory.Domain.Models;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Training;

/// <summary>
/// The cross-entropy a run minimises: with optional label smoothing and per-class weights. Validation loss stays the
/// plain cross-entropy, so runs with different settings compare on the same figure.
/// </summary>
public sealed class TrainingLoss : IDisposable
{
    private readonly Tensor? weight;

    /// <param name="labelSmoothing">Share of the target spread evenly over the classes, 0..1.</param>
    /// <param name="classWeights">Weight per class, or null for equal weights.</param>
    public TrainingLoss(double labelSmoothing, IReadOnlyList<double>? classWeights)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(labelSmoothing);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(labelSmoothing, 1);
        LabelSmoothing = labelSmoothing;
        ClassWeights = classWeights;
        weight = classWeights is null ? null : tensor(classWeights.Select(w => (float)w).ToArray()).DetachFromDisposeScope();
    }

    public double LabelSmoothing { get; }

    public IReadOnlyList<double>? ClassWeights { get; }

    /// <summary>The loss of a spec, with class weights from the training labels when it asks for them.</summary>
    public static TrainingLoss For(TrainingSpec spec, IReadOnlyList<int> trainingLabels, int classes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new TrainingLoss(
            spec.LabelSmoothing,
            spec.ClassWeighting == ClassWeighting.Balanced ? BalancedWeights(trainingLabels, classes) : null);
    }

    /// <summary>
    /// Inverse class frequency, n / (k * count_c): a balanced dataset gets 1 for every class. A class without training
    /// images gets 0, as no target ever names it.
    /// </summary>
    public static double[] BalancedWeights(IReadOnlyList<int> labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var counts = new int[classes];
        foreach (var label in labels)
        {
            counts[label]++;
        }

        return counts.Select(count => count == 0 ? 0 : labels.Count / ((double)classes * count)).ToArray();
    }

    /// <summary>Mean loss of a batch of logits [N, k] against class indices [N]; belongs to the caller's dispose scope.</summary>
    public Tensor Compute(Tensor logits, Tensor labels) =>
        nn.functional.cross_entropy(logits, labels, weight, label_smoothing: LabelSmoothing);

    public void Dispose() => weight?.Dispose();
}
