namespace VisionFactory.Domain.Models;

/// <summary>The figures of one finished epoch.</summary>
public sealed record EpochMetrics(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double ValidationLoss,
    double ValidationAccuracy,
    double LearningRate,
    double ImagesPerSecond,
    double Seconds);
