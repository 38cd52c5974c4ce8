using VisionFactory.Learning.Weights;
using VisionFactory.Learning.Zoo;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Architectures;

/// <summary>
/// The ImageNet ResNet (stage depths 2, 2, 2, 3) shipped in NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18,
/// with its own preprocessing: BGR, 0..255, minus the mean image.
/// </summary>
public sealed class ImageNetResNet18Architecture : ArchitectureDefinition
{
    private static readonly Lazy<float[]> MeanImage224 = new(() =>
    {
        using var mean = ImageNetResNet18.ReadMeanImage();
        return mean.data<float>().ToArray();
    });

    public override string Name => "resnet18-imagenet";

    public override string Family => "ResNet";

    public override string Description => "ResNet (basic blocks 2-2-2-3) pretrained on ImageNet, from the ML.NET featurizer package";

    public override bool HasBundledWeights => true;

    public override int DefaultImageSize => ImageNetResNet18.InputSize;

    public override InputNormalization Normalization { get; } = new("bgr", 1f, null, null);

    public override string HeadPath => "fc";

    public override string? BlockedInferenceUntil => "avgpool";

    public override nn.Module<Tensor, Tensor> CreateModule(int classes) => new ResNet(classes, ImageNetResNet18.StageDepths, Name);

    protected override InputTransform CreateInputTransform(int imageSize)
    {
        using var mean224 = tensor(MeanImage224.Value, [3, ImageNetResNet18.InputSize, ImageNetResNet18.InputSize]);
        var mean = imageSize == ImageNetResNet18.InputSize ? mean224.clone() : ImageNetResNet18.ResizeMeanImage(mean224, imageSize);
        return new InputTransform(bgr: true, scale: 1f, mean, std: null);
    }

    protected override void LoadBundledWeights(nn.Module<Tensor, Tensor> network) =>
        ImageNetResNet18.LoadBackbone(network, DnnImageModelFiles.Locate().ResNet18);
}
