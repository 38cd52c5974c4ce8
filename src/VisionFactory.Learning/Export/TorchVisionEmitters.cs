using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Export;

/// <summary>
/// The forward passes of the TorchVision package's models (not ours to change), read from torchvision's published
/// structure and walked through their named children. Sequential parts (VGG and AlexNet features, conv blocks) go
/// through <see cref="OnnxTrace.Sequence"/>; these are the modules whose forward is more than their children in order.
/// </summary>
internal sealed partial class OnnxTrace
{
    private Traced? TorchVisionModule(string path, nn.Module module, Traced x)
    {
        Traced? emitted = module.GetType().FullName switch
        {
            "TorchSharp.Modules.ResNet" => Children(path, module, x, "conv1+bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "flatten", "fc"),
            "TorchSharp.Modules.ResNet+BasicBlock" => ResidualBlock(path, module, x, "conv1+bn1", "relu1", "conv2+bn2"),
            "TorchSharp.Modules.ResNet+Bottleneck" => ResidualBlock(path, module, x, "conv1+bn1", "relu1", "conv2+bn2", "relu2", "conv3+bn3"),
            "TorchSharp.Modules.VGG" or "TorchSharp.Modules.AlexNet" => ClassifierAfterFlatten(path, module, x, "features", "avgpool"),
            "TorchSharp.Modules.MobileNetV2" => MobileNetV2(path, module, x),
            "TorchSharp.Modules.MobileNetV2+InvertedResidual" => MobileNetV2Block(path, module, x),
            "TorchSharp.Modules.GoogleNet" => ClassifierAfterFlatten(path, module, x,
                "conv1", "maxpool1", "conv2", "conv3", "maxpool2", "inception3a", "inception3b", "maxpool3", "inception4a", "inception4b",
                "inception4c", "inception4d", "inception4e", "maxpool4", "inception5a", "inception5b", "avgpool"),
            "TorchSharp.Modules.GoogleNet+Inception" => Concat(path + ".cat",
                [Child(path, module, "branch1", x), Child(path, module, "branch2", x), Child(path, module, "branch3", x), Child(path, module, "branch4", x)], 1),
            "TorchSharp.Modules.InceptionV3" => ClassifierAfterFlatten(path, module, x,
                "Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1", "Conv2d_3b_1x1", "Conv2d_4a_3x3", "maxpool2",
                "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c", "avgpool"),
            "TorchSharp.Modules.InceptionV3+InceptionA" => Concat(path + ".cat",
            [
                Child(path, module, "branch1x1", x),
                Chain(path, module, x, "branch5x5_1", "branch5x5_2"),
                Chain(path, module, x, "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"),
                Child(path, module, "branch_pool", InceptionPool(path, x)),
            ], 1),
            "TorchSharp.Modules.InceptionV3+InceptionB" => Concat(path + ".cat",
            [
                Child(path, module, "branch3x3", x),
                Chain(path, module, x, "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"),
                MaxPool(path + ".max_pool", x, [3, 3], [2, 2], [0, 0], [1, 1], false),
            ], 1),
            "TorchSharp.Modules.InceptionV3+InceptionC" => Concat(path + ".cat",
            [
                Child(path, module, "branch1x1", x),
                Chain(path, module, x, "branch7x7_1", "branch7x7_2", "branch7x7_3"),
                Chain(path, module, x, "branch7x7dbl_1", "branch7x7dbl_2", "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5"),
                Child(path, module, "branch_pool", InceptionPool(path, x)),
            ], 1),
            "TorchSharp.Modules.InceptionV3+InceptionD" => Concat(path + ".cat",
            [
                Chain(path, module, x, "branch3x3_1", "branch3x3_2"),
                Chain(path, module, x, "branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3", "branch7x7x3_4"),
                MaxPool(path + ".max_pool", x, [3, 3], [2, 2], [0, 0], [1, 1], false),
            ], 1),
            "TorchSharp.Modules.InceptionV3+InceptionE" => InceptionE(path, module, x),
            _ => null,
        };
        return emitted is { } value ? Checked(path, module, x, value) : null;
    }

    // Children in order; "a+b" names a convolution and the batch norm folded into it.
    public Traced Children(string path, nn.Module module, Traced x, params string[] names)
    {
        foreach (var name in names)
        {
            var parts = name.Split('+');
            x = parts.Length == 2 && Child(module, path, parts[0]) is TorchSharp.Modules.Conv2d conv && Child(module, path, parts[1]) is TorchSharp.Modules.BatchNorm2d norm
                ? Conv(Join(path, parts[0]), conv, (Join(path, parts[1]), norm), x)
                : Child(path, module, parts[0], x);
        }

        return x;
    }

    private Traced Chain(string path, nn.Module module, Traced x, params string[] names) => Children(path, module, x, names);

    // relu(body(x) + identity), identity = downsample(x) when the block has one.
    public Traced ResidualBlock(string path, nn.Module module, Traced x, params string[] body)
    {
        var y = Children(path, module, x, body);
        var identity = module.named_children().Any(c => c.name == "downsample") ? Child(path, module, "downsample", x) : x;
        return Relu(path + ".relu_out", Add(path + ".add", y, identity));
    }

    // features ... pool, then flatten(1), then the rest (dropout and fc, or the classifier).
    private Traced ClassifierAfterFlatten(string path, nn.Module module, Traced x, params string[] beforeFlatten)
    {
        x = Flatten(path + ".flatten", Children(path, module, x, beforeFlatten));
        var tail = module.named_children().Where(c => c.name is "dropout" or "fc" or "classifier").ToList();
        return Sequence(path, tail, x);
    }

    private Traced MobileNetV2(string path, nn.Module module, Traced x)
    {
        var features = Child(path, module, "features", x);
        var pooled = Flatten(path + ".flatten", AdaptiveAvgPool(path + ".pool", features, [1, 1]));
        return Child(path, module, "classifier", pooled);
    }

    private Traced MobileNetV2Block(string path, nn.Module module, Traced x)
    {
        var field = module.GetType().GetField("use_res_connect", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
            ?? throw new NotSupportedException($"'{path}': this TorchVision version's InvertedResidual has no use_res_connect field");
        var y = Child(path, module, "conv", x);
        return (bool)field.GetValue(module)! ? Add(path + ".add", x, y) : y;
    }

    private Traced InceptionPool(string path, Traced x) => AvgPool(path + ".avg_pool", x, [3, 3], [1, 1], [1, 1], ceilMode: false, countIncludePad: true);

    private Traced InceptionE(string path, nn.Module module, Traced x)
    {
        var branch1x1 = Child(path, module, "branch1x1", x);
        var branch3x3 = Child(path, module, "branch3x3_1", x);
        branch3x3 = Concat(path + ".cat3x3", [Child(path, module, "branch3x3_2a", branch3x3), Child(path, module, "branch3x3_2b", branch3x3)], 1);
        var branch3x3dbl = Chain(path, module, x, "branch3x3dbl_1", "branch3x3dbl_2");
        branch3x3dbl = Concat(path + ".cat3x3dbl", [Child(path, module, "branch3x3dbl_3a", branch3x3dbl), Child(path, module, "branch3x3dbl_3b", branch3x3dbl)], 1);
        var pool = Child(path, module, "branch_pool", InceptionPool(path, x));
        return Concat(path + ".cat", [branch1x1, branch3x3, branch3x3dbl, pool], 1);
    }
}
