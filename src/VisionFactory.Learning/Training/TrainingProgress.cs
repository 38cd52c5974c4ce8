namespace VisionFactory.Learning.Training;

/// <summary>The phases a run goes through, in order.</summary>
public enum TrainingPhase
{
    LoadingImages,
    ComputingFeatures,

    /// <summary>Head-only epochs over cached features; progress counts epochs, not steps.</summary>
    TrainingHead,
    Training,
    Validating,
    Evaluating,
}

/// <summary>A live snapshot of a run, reported after every step.</summary>
public sealed record TrainingProgress(
    TrainingPhase Phase,
    int Epoch,
    int Epochs,
    int Done,
    int Total,
    double Loss,
    double Accuracy,
    double LearningRate,
    double ImagesPerSecond);
