using VisionFactory.Domain.Models;
using VisionFactory.Learning.Architectures;

namespace VisionFactory.Learning.Training;

/// <summary>A trained network and the figures of every epoch. Disposing it frees the network.</summary>
public sealed class TrainingOutcome(ClassifierNetwork network, List<EpochMetrics> history, bool backboneFrozen) : IDisposable
{
    public ClassifierNetwork Network { get; } = network;

    public List<EpochMetrics> History { get; } = history;

    /// <summary>True when only the head was trained, so cached backbone features still describe this network.</summary>
    public bool BackboneFrozen { get; } = backboneFrozen;

    public void Dispose() => Network.Dispose();
}
