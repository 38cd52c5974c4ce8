using TorchSharp;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Architectures;

/// <summary>An architecture users can train, named as in the zoo (torchvision's names).</summary>
public abstract class ArchitectureDefinition
{
    /// <summary>The name users type, e.g. "densenet121".</summary>
    public abstract string Name { get; }

    public abstract string Family { get; }

    public abstract string Description { get; }

    public abstract int DefaultImageSize { get; }

    /// <summary>The smallest square input the network accepts.</summary>
    public virtual int MinImageSize => 32;

    public abstract InputNormalization Normalization { get; }

    /// <summary>True when pretrained weights ship with this installation (users may also import their own).</summary>
    public virtual bool HasBundledWeights => false;

    /// <summary>The module path of the final classifier layer, e.g. "fc" or "classifier.1".</summary>
    public abstract string HeadPath { get; }

    /// <summary>
    /// True when the head is one linear map of pooled features, so head-only training over cached features
    /// applies; false for heads such as SqueezeNet's convolution followed by pooling.
    /// </summary>
    public virtual bool HeadIsLinear => true;

    /// <summary>
    /// True when the network classifies a single image faster from channels-last input (<see cref="MemoryLayout"/>)
    /// with libtorch's CPU kernels: measured per family with <c>bench/VisionFactory.Bench -- zoo</c> and
    /// <c>-- layout</c> (depthwise, grouped, concatenating and VGG networks and the 800MF RegNets gain; ResNets and
    /// RegNetX-400MF at batch 1 lose).
    /// Batches of several images are evaluated channels-last whatever this says.
    /// </summary>
    public virtual bool ChannelsLastInference => false;

    /// <summary>
    /// True when the network trains faster on channels-last input: at batch 16, <c>bench -- layout</c> measured
    /// 9–35 % shorter steps for ResNet-18/50, MobileNet v2, DenseNet-121, EfficientNet-B0, VGG-11-BN, RegNet,
    /// SqueezeNet and ShuffleNet, and 9 % longer for ConvNeXt-Tiny (whose layer norms permute the layout back).
    /// </summary>
    public virtual bool ChannelsLastTraining => true;

    /// <summary>
    /// The module after which a single image's forward pass outside training leaves oneDNN's blocked layout
    /// (<see cref="BlockedLayout"/>), which then carries it from the input to there; null when the network does not
    /// use it. Set where every operation up to that module runs on blocked tensors and it is faster at batch 1
    /// (<c>bench -- layout NAMES 3 eval</c>: resnext50_32x4d 57.6 ms against 67.2 NCHW and 74.1 channels-last; ResNet,
    /// ResNeXt and Wide ResNet 10–17 %, VGG 5–10 %). Batches keep channels-last. libtorch's blocked adaptive pooling needs the output size to divide the
    /// input's, so VGG and AlexNet (pooled to 7 x 7 at any input size) leave it before their pooling.
    /// </summary>
    public virtual string? BlockedInferenceUntil => null;

    /// <summary>A fresh module with <paramref name="classes"/> outputs and torchvision's initialisation.</summary>
    public abstract nn.Module<Tensor, Tensor> CreateModule(int classes);

    /// <summary>
    /// Builds the network with a fresh head of <paramref name="classes"/> outputs; with <paramref name="loadPretrained"/>
    /// and <see cref="HasBundledWeights"/>, the backbone starts from the bundled weights.
    /// </summary>
    public ClassifierNetwork Build(int classes, int imageSize, bool loadPretrained)
    {
        var module = CreateModule(classes);
        try
        {
            var bundled = loadPretrained && HasBundledWeights;
            if (bundled)
            {
                LoadBundledWeights(module);
            }

            return new ClassifierNetwork(Name, module, HeadPath, imageSize, CreateInputTransform(imageSize))
            {
                BackboneKey = bundled ? Name : null,
                ChannelsLastInference = ChannelsLastInference,
                ChannelsLastTraining = ChannelsLastTraining,
                BlockedInferenceUntil = BlockedInferenceUntil,
            };
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    /// <summary>The input preparation at <paramref name="imageSize"/>: per-channel normalisation unless overridden.</summary>
    protected virtual InputTransform CreateInputTransform(int imageSize) => Normalization.CreateTransform();

    /// <summary>Loads the bundled backbone weights, leaving the head as it is.</summary>
    protected virtual void LoadBundledWeights(nn.Module<Tensor, Tensor> network) =>
        throw new NotSupportedException($"{Name} has no bundled weights");
}

/// <summary>An architecture given by its facts and a module factory.</summary>
public sealed class ZooArchitecture(
    string name,
    string family,
    string description,
    string headPath,
    Func<int, nn.Module<Tensor, Tensor>> create,
    int defaultImageSize = 224,
    int minImageSize = 32,
    bool headIsLinear = true,
    bool channelsLastInference = false,
    bool channelsLastTraining = true,
    string? blockedInferenceUntil = null) : ArchitectureDefinition
{
    public override string Name => name;

    public override string Family => family;

    public override string Description => description;

    public override int DefaultImageSize => defaultImageSize;

    public override int MinImageSize => minImageSize;

    public override InputNormalization Normalization => InputNormalization.ImageNet;

    public override string HeadPath => headPath;

    public override bool HeadIsLinear => headIsLinear;

    public override bool ChannelsLastInference => channelsLastInference;

    public override bool ChannelsLastTraining => channelsLastTraining;

    public override string? BlockedInferenceUntil => blockedInferenceUntil;

    public override nn.Module<Tensor, Tensor> CreateModule(int classes)
    {
        return create(classes);
    }
}
