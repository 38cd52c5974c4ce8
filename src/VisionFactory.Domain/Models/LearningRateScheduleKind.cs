namespace VisionFactory.Domain.Models;

/// <summary>How the learning rate moves over a run, from its peak (<see cref="TrainingSpec.LearningRate"/>).</summary>
public enum LearningRateScheduleKind
{
    /// <summary>
    /// Rises from peak/25 to the peak, then anneals (cosine) to peak/250000 at the end. The rise takes
    /// <see cref="TrainingSpec.WarmupEpochs"/> when set, else 30% of the run (head mode) or 15% (finetune).
    /// </summary>
    OneCycle = 0,

    /// <summary>Multiplies the rate by <see cref="TrainingSpec.StepGamma"/> every <see cref="TrainingSpec.StepSize"/> epochs.</summary>
    Step = 1,

    /// <summary>Anneals from the peak to 0 at the end of the run along half a cosine.</summary>
    Cosine = 2,
}
