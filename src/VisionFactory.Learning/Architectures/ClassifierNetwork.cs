using TorchSharp;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Architectures;

/// <summary>
/// A network ready to classify: the module, how to get its pooled features and which parameters form its
/// classifier head, and how its input must be prepared.
/// </summary>
public sealed class ClassifierNetwork : IDisposable
{
    private readonly Func<Tensor, Tensor> features;

    public ClassifierNetwork(
        string architecture,
        nn.Module<Tensor, Tensor> module,
        Func<Tensor, Tensor> features,
        int featureCount,
        string headPrefix,
        int imageSize,
        InputTransform input)
    {
        Architecture = architecture;
        Module = module;
        this.features = features;
        FeatureCount = featureCount;
        HeadPrefix = headPrefix;
        ImageSize = imageSize;
        Input = input;
    }

    public string Architecture { get; }

    public nn.Module<Tensor, Tensor> Module { get; }

    /// <summary>Width of the pooled features the head reads.</summary>
    public int FeatureCount { get; }

    /// <summary>The state-dict prefix of the classifier head, e.g. "fc".</summary>
    public string HeadPrefix { get; }

    public int ImageSize { get; }

    public InputTransform Input { get; private set; }

    /// <summary>Swaps the input preparation, e.g. for the one stored in a trained artifact.</summary>
    public void ReplaceInput(InputTransform input)
    {
        var old = Input;
        Input = input;
        old.Dispose();
    }

    /// <summary>Pooled backbone features of a normalised batch.</summary>
    public Tensor Features(Tensor normalised) => features(normalised);

    /// <summary>Logits of a normalised batch.</summary>
    public Tensor Logits(Tensor normalised) => Module.call(normalised);

    /// <summary>Copies a trained linear head (weight [classes, features], bias [classes]) into the network.</summary>
    public void SetHead(Tensor weight, Tensor bias)
    {
        using var _ = no_grad();
        var parameters = Module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        parameters[HeadPrefix + ".weight"].copy_(weight);
        parameters[HeadPrefix + ".bias"].copy_(bias);
    }

    public void Dispose()
    {
        Module.Dispose();
        Input.Dispose();
    }
}
