using VisionFactory.Domain.Models;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Training;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Training;

public sealed class TrainingLossTests
{
    public TrainingLossTests() => TorchNativeLibrary.EnsureLoaded();

    [Fact]
    public void BalancedWeightsAreInverseClassFrequency()
    {
        int[] labels = [0, 0, 0, 0, 0, 0, 1, 1, 2];

        var weights = TrainingLoss.BalancedWeights(labels, classes: 4);

        Assert.Equal([9 / (4.0 * 6), 9 / (4.0 * 2), 9 / (4.0 * 1), 0], weights);
    }

    [Fact]
    public void ClassWeightsWeighEachImageByItsClass()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 2, 0, 0, 1, 1, 0 }, [3, 2]);
        var labels = tensor(new long[] { 0, 1, 1 });
        using var weighted = new TrainingLoss(0, [1.0, 3.0]);

        var loss = weighted.Compute(logits, labels).item<float>();

        double Nll(double a, double b, int label) => -Math.Log(Math.Exp(label == 0 ? a : b) / (Math.Exp(a) + Math.Exp(b)));
        var expected = ((1 * Nll(2, 0, 0)) + (3 * Nll(0, 1, 1)) + (3 * Nll(1, 0, 1))) / (1 + 3 + 3);
        Assert.Equal(expected, loss, 5);
    }

    [Fact]
    public void LabelSmoothingKeepsTheLossAboveTheEntropyOfTheSmoothedTarget()
    {
        using var scope = NewDisposeScope();
        var confident = tensor(new float[] { 20, -20, -20, 20 }, [2, 2]);
        var labels = tensor(new long[] { 0, 1 });
        using var plain = new TrainingLoss(0, null);
        using var smoothed = new TrainingLoss(0.2, null);

        var plainLoss = plain.Compute(confident, labels).item<float>();
        var smoothedLoss = smoothed.Compute(confident, labels).item<float>();

        Assert.True(plainLoss < 1e-6, $"plain loss of confident right answers is {plainLoss}");
        Assert.True(smoothedLoss > SmoothedEntropy(0.2, 2), $"smoothed loss {smoothedLoss} is below the entropy of its target");
    }

    [Fact]
    public void SpecChoosesWeightsAndSmoothing()
    {
        int[] labels = [0, 0, 0, 1];
        var spec = new TrainingSpec { ClassWeighting = ClassWeighting.Balanced, LabelSmoothing = 0.1 };

        using var loss = TrainingLoss.For(spec, labels, 2);
        using var plain = TrainingLoss.For(new TrainingSpec(), labels, 2);

        Assert.Equal([4 / 6.0, 2.0], loss.ClassWeights!);
        Assert.Equal(0.1, loss.LabelSmoothing);
        Assert.Null(plain.ClassWeights);
        Assert.Equal(0, plain.LabelSmoothing);
    }

    /// <summary>The entropy of a one-hot target smoothed by <paramref name="epsilon"/> over <paramref name="classes"/>: the lowest reachable loss.</summary>
    internal static double SmoothedEntropy(double epsilon, int classes)
    {
        var right = 1 - epsilon + (epsilon / classes);
        var wrong = epsilon / classes;
        return -(right * Math.Log(right)) - ((classes - 1) * wrong * Math.Log(wrong));
    }
}
