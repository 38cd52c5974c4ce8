using VisionFactory.Domain.Models;

namespace VisionFactory.Learning.Training;

/// <summary>
/// Where a run stands between two steps: everything besides weights and optimizer state that a checkpoint must hold
/// for the run to continue as if it had never stopped.
/// </summary>
internal sealed class TrainingState
{
    /// <summary>The epoch being run, or the next one to run (1-based).</summary>
    public int Epoch { get; set; } = 1;

    /// <summary>Steps of <see cref="Epoch"/> already done.</summary>
    public int Step { get; set; }

    /// <summary>Steps done in the whole run: the position in the learning-rate schedule.</summary>
    public long GlobalStep { get; set; }

    /// <summary>Running sums of the steps of <see cref="Epoch"/> done so far.</summary>
    public EpochSums Partial { get; set; } = EpochSums.Zero;

    public double BestValidationLoss { get; set; } = double.PositiveInfinity;

    public int BestEpoch { get; set; }

    public int EpochsWithoutImprovement { get; set; }

    /// <summary>The trainable module's serialised weights at <see cref="BestEpoch"/> (early stopping only).</summary>
    public byte[]? BestWeights { get; set; }

    /// <summary>Early stopping ended the run: nothing is left to train.</summary>
    public bool Stopped { get; set; }

    public List<EpochMetrics> History { get; init; } = [];

    /// <summary>The epoch is over: the state at the start of the next one.</summary>
    public void AdvanceEpoch()
    {
        Epoch++;
        Step = 0;
        Partial = EpochSums.Zero;
    }
}

/// <summary>The running totals of a partly trained epoch.</summary>
/// <param name="LossSum">Sum over images of the training loss.</param>
/// <param name="Correct">Images the network classified right while training on them.</param>
/// <param name="Seen">Images trained on.</param>
/// <param name="Seconds">Time spent training them.</param>
internal sealed record EpochSums(double LossSum, long Correct, int Seen, double Seconds)
{
    public static EpochSums Zero { get; } = new(0, 0, 0, 0);

    public double Loss => Seen == 0 ? double.NaN : LossSum / Seen;

    public double Accuracy => Seen == 0 ? double.NaN : (double)Correct / Seen;

    public EpochSums Add(double lossSum, long correct, int seen) => this with
    {
        LossSum = LossSum + lossSum,
        Correct = Correct + correct,
        Seen = Seen + seen,
    };
}
