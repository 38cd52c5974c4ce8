using VisionFactory.Domain;
using VisionFactory.Learning.Zoo;
using static TorchSharp.torchvision;

namespace VisionFactory.Learning.Architectures;

/// <summary>The architectures this installation can train, by torchvision name.</summary>
public sealed class ArchitectureCatalog
{
    private readonly Dictionary<string, ArchitectureDefinition> byName;

    public ArchitectureCatalog(IEnumerable<ArchitectureDefinition> architectures)
    {
        byName = architectures.ToDictionary(a => a.Name, StringComparer.Ordinal);
    }

    /// <summary>Every architecture of the zoo.</summary>
    public static ArchitectureCatalog Default { get; } = new(Zoo().Concat(ProjectWritten()));

    public IReadOnlyCollection<ArchitectureDefinition> All => byName.Values;

    /// <summary>The named architecture; an unknown name fails with the closest known names.</summary>
    public ArchitectureDefinition Get(string name)
    {
        if (byName.TryGetValue(name, out var architecture))
        {
            return architecture;
        }

        var closest = byName.Keys
            .OrderBy(k => Levenshtein(k, name))
            .ThenBy(k => k, StringComparer.Ordinal)
            .Take(3);
        throw ProblemException.Invalid($"unknown architecture '{name}'; did you mean {string.Join(", ", closest)}? ('vf zoo list' shows them all)");
    }

    private static IEnumerable<ArchitectureDefinition> Zoo()
    {
        yield return new ImageNetResNet18Architecture();

        // Provided by TorchSharp's TorchVision package, with torchvision's parameter names. Its resnext101 factories
        // build only 6 blocks in the third stage (torchvision: 23), so those two are assembled from ResNet101 here;
        // its GoogLeNet has no auxiliary heads (torchvision's aux_logits=False layout).
        yield return new ZooArchitecture("alexnet", "AlexNet", "AlexNet (2012): five convolutions, three dense layers", "classifier.6", n => models.alexnet(n), minImageSize: 63, blockedInferenceUntil: "features");
        yield return new ZooArchitecture("googlenet", "GoogLeNet", "GoogLeNet / Inception v1 (without the auxiliary training heads)", "fc", n => models.googlenet(n), minImageSize: 64, channelsLastInference: true);
        yield return new ZooArchitecture("inception_v3", "Inception", "Inception v3 with an auxiliary head for training", "fc", n => models.inception_v3(n), defaultImageSize: 299, minImageSize: 75);
        yield return new ZooArchitecture("mobilenet_v2", "MobileNet", "MobileNet v2: inverted residuals with linear bottlenecks", "classifier.1", n => models.mobilenet_v2(n), channelsLastInference: true);
        foreach (var (name, create) in new (string, Func<int, TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>>)[]
        {
            ("resnet18", n => models.resnet18(n)), ("resnet34", n => models.resnet34(n)), ("resnet50", n => models.resnet50(n)),
            ("resnet101", n => models.resnet101(n)), ("resnet152", n => models.resnet152(n)),
        })
        {
            yield return new ZooArchitecture(name, "ResNet", $"ResNet-{name[6..]} (He et al. 2015)", "fc", create, blockedInferenceUntil: "avgpool");
        }

        yield return new ZooArchitecture("resnext50_32x4d", "ResNeXt", "ResNeXt-50, 32 groups of width 4", "fc", n => models.resnext50_32x4d(n), blockedInferenceUntil: "avgpool");
        yield return new ZooArchitecture("resnext101_32x8d", "ResNeXt", "ResNeXt-101, 32 groups of width 8", "fc", n => TorchSharp.Modules.ResNet.ResNet101(n, groups: 32, width_per_group: 8), blockedInferenceUntil: "avgpool");
        yield return new ZooArchitecture("resnext101_64x4d", "ResNeXt", "ResNeXt-101, 64 groups of width 4", "fc", n => TorchSharp.Modules.ResNet.ResNet101(n, groups: 64, width_per_group: 4), blockedInferenceUntil: "avgpool");
        yield return new ZooArchitecture("wide_resnet50_2", "Wide ResNet", "Wide ResNet-50-2: bottlenecks twice as wide", "fc", n => models.wide_resnet50_2(n), blockedInferenceUntil: "avgpool");
        yield return new ZooArchitecture("wide_resnet101_2", "Wide ResNet", "Wide ResNet-101-2: bottlenecks twice as wide", "fc", n => models.wide_resnet101_2(n), blockedInferenceUntil: "avgpool");
        foreach (var (name, create) in new (string, Func<int, TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>>)[]
        {
            ("vgg11", n => models.vgg11(n)), ("vgg11_bn", n => models.vgg11_bn(n)), ("vgg13", n => models.vgg13(n)), ("vgg13_bn", n => models.vgg13_bn(n)),
            ("vgg16", n => models.vgg16(n)), ("vgg16_bn", n => models.vgg16_bn(n)), ("vgg19", n => models.vgg19(n)), ("vgg19_bn", n => models.vgg19_bn(n)),
        })
        {
            var depth = name[3..5];
            yield return new ZooArchitecture(name, "VGG", $"VGG-{depth}{(name.EndsWith("_bn", StringComparison.Ordinal) ? " with batch norm" : "")}", "classifier.6", create, channelsLastInference: true, blockedInferenceUntil: "features");
        }
    }

    // Written in this project with torchvision's parameter names (TorchVision for .NET lacks them).
    private static IEnumerable<ArchitectureDefinition> ProjectWritten()
    {
        yield return new ZooArchitecture("densenet121", "DenseNet", "DenseNet-121, growth rate 32", DenseNet.HeadPath, DenseNet.Densenet121, channelsLastInference: true);
        yield return new ZooArchitecture("densenet161", "DenseNet", "DenseNet-161, growth rate 48", DenseNet.HeadPath, DenseNet.Densenet161, channelsLastInference: true);
        yield return new ZooArchitecture("densenet169", "DenseNet", "DenseNet-169, growth rate 32", DenseNet.HeadPath, DenseNet.Densenet169, channelsLastInference: true);
        yield return new ZooArchitecture("densenet201", "DenseNet", "DenseNet-201, growth rate 32", DenseNet.HeadPath, DenseNet.Densenet201, channelsLastInference: true);
        yield return new ZooArchitecture("squeezenet1_0", "SqueezeNet", "SqueezeNet 1.0: AlexNet accuracy with 50x fewer parameters", SqueezeNet.HeadPath, SqueezeNet.Squeezenet1_0, headIsLinear: false, channelsLastInference: true);
        yield return new ZooArchitecture("squeezenet1_1", "SqueezeNet", "SqueezeNet 1.1: 2.4x less computation than 1.0", SqueezeNet.HeadPath, SqueezeNet.Squeezenet1_1, headIsLinear: false, channelsLastInference: true);
        yield return new ZooArchitecture("shufflenet_v2_x0_5", "ShuffleNet", "ShuffleNet v2, 0.5x width", ShuffleNetV2.HeadPath, ShuffleNetV2.ShufflenetV2X0_5, channelsLastInference: true);
        yield return new ZooArchitecture("shufflenet_v2_x1_0", "ShuffleNet", "ShuffleNet v2, 1.0x width", ShuffleNetV2.HeadPath, ShuffleNetV2.ShufflenetV2X1_0, channelsLastInference: true);
        yield return new ZooArchitecture("shufflenet_v2_x1_5", "ShuffleNet", "ShuffleNet v2, 1.5x width", ShuffleNetV2.HeadPath, ShuffleNetV2.ShufflenetV2X1_5, channelsLastInference: true);
        yield return new ZooArchitecture("shufflenet_v2_x2_0", "ShuffleNet", "ShuffleNet v2, 2.0x width", ShuffleNetV2.HeadPath, ShuffleNetV2.ShufflenetV2X2_0, channelsLastInference: true);
        yield return new ZooArchitecture("mnasnet0_5", "MnasNet", "MnasNet, depth multiplier 0.5", MnasNet.HeadPath, MnasNet.Mnasnet0_5, channelsLastInference: true);
        yield return new ZooArchitecture("mnasnet0_75", "MnasNet", "MnasNet, depth multiplier 0.75", MnasNet.HeadPath, MnasNet.Mnasnet0_75, channelsLastInference: true);
        yield return new ZooArchitecture("mnasnet1_0", "MnasNet", "MnasNet, depth multiplier 1.0", MnasNet.HeadPath, MnasNet.Mnasnet1_0, channelsLastInference: true);
        yield return new ZooArchitecture("mnasnet1_3", "MnasNet", "MnasNet, depth multiplier 1.3", MnasNet.HeadPath, MnasNet.Mnasnet1_3, channelsLastInference: true);
        yield return new ZooArchitecture("efficientnet_b0", "EfficientNet", "EfficientNet-B0", EfficientNet.HeadPath, EfficientNet.EfficientnetB0, channelsLastInference: true);
        yield return new ZooArchitecture("efficientnet_b1", "EfficientNet", "EfficientNet-B1", EfficientNet.HeadPath, EfficientNet.EfficientnetB1, defaultImageSize: 240, channelsLastInference: true);
        yield return new ZooArchitecture("efficientnet_b2", "EfficientNet", "EfficientNet-B2", EfficientNet.HeadPath, EfficientNet.EfficientnetB2, defaultImageSize: 260, channelsLastInference: true);
        yield return new ZooArchitecture("efficientnet_b3", "EfficientNet", "EfficientNet-B3", EfficientNet.HeadPath, EfficientNet.EfficientnetB3, defaultImageSize: 300, channelsLastInference: true);
        yield return new ZooArchitecture("regnet_y_400mf", "RegNet", "RegNetY-400MF (with squeeze-excitation)", RegNet.HeadPath, RegNet.RegnetY400mf, channelsLastInference: true);
        // bench -- layout, 3 rounds: the 800MF RegNets classify one image faster channels-last (Y 18.9 against 25.3 ms,
        // X 16.4 against 19.8 ms), RegNetX-400MF in the default layout (14.8 against 20.0 ms).
        yield return new ZooArchitecture("regnet_y_800mf", "RegNet", "RegNetY-800MF (with squeeze-excitation)", RegNet.HeadPath, RegNet.RegnetY800mf, channelsLastInference: true);
        yield return new ZooArchitecture("regnet_x_400mf", "RegNet", "RegNetX-400MF", RegNet.HeadPath, RegNet.RegnetX400mf);
        yield return new ZooArchitecture("regnet_x_800mf", "RegNet", "RegNetX-800MF", RegNet.HeadPath, RegNet.RegnetX800mf, channelsLastInference: true);
        yield return new ZooArchitecture("convnext_tiny", "ConvNeXt", "ConvNeXt-Tiny", ConvNeXt.HeadPath, ConvNeXt.ConvnextTiny, channelsLastInference: true, channelsLastTraining: false);
        yield return new ZooArchitecture("mobilenet_v3_small", "MobileNet", "MobileNet v3 small", MobileNetV3.HeadPath, MobileNetV3.MobilenetV3Small, channelsLastInference: true);
        yield return new ZooArchitecture("mobilenet_v3_large", "MobileNet", "MobileNet v3 large", MobileNetV3.HeadPath, MobileNetV3.MobilenetV3Large, channelsLastInference: true);
        yield return new ZooArchitecture("small_cnn", "Small CNN", "Five convolutions for tiny images (32 px and up); trains fast from scratch", SmallCnn.HeadPath, SmallCnn.Create, defaultImageSize: 32, minImageSize: 8);
    }

    private static int Levenshtein(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }

        return row[b.Length];
    }
}
