using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Training;

/// <summary>What differs between the modes inside the common epoch loop: what a step trains and how validation runs.</summary>
internal interface ITrainingSteps
{
    /// <summary>The module a checkpoint holds and early stopping restores.</summary>
    nn.Module Trainable { get; }

    OptimizerHelper Optimizer { get; }

    int StepsPerEpoch { get; }

    /// <summary>Each optimizer parameter group's learning rate as a share of the schedule's, in group order.</summary>
    IReadOnlyList<double> LearningRateScales { get; }

    /// <summary>Puts the modules in training mode for <paramref name="epoch"/> (1-based).</summary>
    void BeginEpoch(int epoch);

    /// <summary>One optimisation step on the training images at <paramref name="batch"/> (indices into the split).</summary>
    /// <returns>The loss summed over the batch, how many it classified right, and its size.</returns>
    (double LossSum, long Correct, int Count) Step(int epoch, int step, IReadOnlyList<int> batch);

    /// <summary>Plain cross-entropy and accuracy on the validation split.</summary>
    (double Loss, double Accuracy) Validate(CancellationToken cancellationToken);
}
