namespace VisionFactory.Learning.Architectures;

/// <summary>An architecture users can train, named as in the zoo.</summary>
public abstract class ArchitectureDefinition
{
    /// <summary>The name users type, e.g. "resnet18-imagenet".</summary>
    public abstract string Name { get; }

    public abstract string Family { get; }

    public abstract string Description { get; }

    /// <summary>True when the backbone starts from weights learned on ImageNet.</summary>
    public abstract bool Pretrained { get; }

    public abstract int DefaultImageSize { get; }

    /// <summary>
    /// Builds the network with a fresh head of <paramref name="classes"/> outputs. With
    /// <paramref name="loadPretrained"/> the backbone's pretrained weights are loaded (skip it when a trained
    /// artifact's weights will be loaded next).
    /// </summary>
    public abstract ClassifierNetwork Build(int classes, int imageSize, bool loadPretrained);
}
