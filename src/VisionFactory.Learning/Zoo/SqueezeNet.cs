using TorchSharp;
using TorchSharp.Modules;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionFactory.Learning.Zoo;

#pragma warning disable CA1707 // Member names are torchvision's version strings ("1_0", "1_1").
/// <summary>The two SqueezeNet variants of torchvision.</summary>
public enum SqueezeNetVersion
{
    /// <summary>torchvision <c>squeezenet1_0</c>: 7x7 stem with 96 channels.</summary>
    V1_0,

    /// <summary>torchvision <c>squeezenet1_1</c>: 3x3 stem with 64 channels, earlier pooling (about 2.4x cheaper).</summary>
    V1_1,
}
#pragma warning restore CA1707

/// <summary>
/// SqueezeNet with torchvision 0.14's layout and parameter names (<c>features.N</c> with Fire modules
/// <c>squeeze</c> / <c>expand1x1</c> / <c>expand3x3</c>; <c>classifier.1</c> is the final 1x1 convolution), so
/// torchvision state dicts load one to one. Input: <c>[N, 3, H, W]</c> float; output: <c>[N, numClasses]</c> logits.
/// </summary>
/// <remarks>
/// The classifier is Dropout, Conv2d(512, numClasses, 1), ReLU, global average pooling; the logits are therefore
/// non-negative, as in torchvision. Each forward pass runs inside its own dispose scope.
/// </remarks>
public sealed class SqueezeNet : Module<Tensor, Tensor>, IOnnxEmittable
{
    /// <summary>Module path of the final classifier layer (a 1x1 <see cref="TorchSharp.Modules.Conv2d"/>).</summary>
    public const string HeadPath = "classifier.1";

    /// <summary>Channels of the last feature map (the input of the final convolution).</summary>
    public const int FeatureCount = 512;

#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
    private readonly Sequential features;
    private readonly Sequential classifier;
#pragma warning restore IDE1006

    /// <summary>Creates the network with torchvision's initialisation (Kaiming-uniform convolutions, N(0, 0.01) final convolution, zero biases).</summary>
    /// <param name="version">Which SqueezeNet.</param>
    /// <param name="numClasses">Output channels of the final convolution.</param>
    /// <param name="dropout">Dropout before the final convolution (training only).</param>
    /// <param name="name">The module name.</param>
    public SqueezeNet(SqueezeNetVersion version, int numClasses, double dropout = 0.5, string name = "SqueezeNet")
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(dropout);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dropout, 1.0);
        Version = version;
        NumClasses = numClasses;

        features = version switch
        {
            SqueezeNetVersion.V1_0 => Sequential(
                Conv2d(3, 96, kernel_size: 7, stride: 2),
                ReLU(inplace: true),
                Pool(),
                new Fire(96, 16, 64, 64),
                new Fire(128, 16, 64, 64),
                new Fire(128, 32, 128, 128),
                Pool(),
                new Fire(256, 32, 128, 128),
                new Fire(256, 48, 192, 192),
                new Fire(384, 48, 192, 192),
                new Fire(384, 64, 256, 256),
                Pool(),
                new Fire(512, 64, 256, 256)),
            SqueezeNetVersion.V1_1 => Sequential(
                Conv2d(3, 64, kernel_size: 3, stride: 2),
                ReLU(inplace: true),
                Pool(),
                new Fire(64, 16, 64, 64),
                new Fire(128, 16, 64, 64),
                Pool(),
                new Fire(128, 32, 128, 128),
                new Fire(256, 32, 128, 128),
                Pool(),
                new Fire(256, 48, 192, 192),
                new Fire(384, 48, 192, 192),
                new Fire(384, 64, 256, 256),
                new Fire(512, 64, 256, 256)),
            _ => throw new ArgumentOutOfRangeException(nameof(version), version, "Unknown SqueezeNet version."),
        };

        var finalConv = Conv2d(FeatureCount, numClasses, kernel_size: 1);
        classifier = Sequential(Dropout(dropout), finalConv, ReLU(inplace: true), AdaptiveAvgPool2d([1, 1]));
        RegisterComponents();

        using (no_grad())
        using (NewDisposeScope())
        {
            foreach (var (_, module) in named_modules())
            {
                if (module is not Conv2d conv)
                    continue;
                if (ReferenceEquals(conv, finalConv))
                    init.normal_(conv.weight, mean: 0.0, std: 0.01);
                else
                    init.kaiming_uniform_(conv.weight);
                if (conv.bias is not null)
                    init.zeros_(conv.bias);
            }
        }
    }

    /// <summary>Which SqueezeNet.</summary>
    public SqueezeNetVersion Version { get; }

    /// <summary>Output channels of the final convolution.</summary>
    public int NumClasses { get; }

#pragma warning disable CA1707 // Factory names are torchvision's model names (1_0 reads 1.0).
    /// <summary>torchvision <c>squeezenet1_0</c>.</summary>
    public static SqueezeNet Squeezenet1_0(int numClasses) => new(SqueezeNetVersion.V1_0, numClasses);

    /// <summary>torchvision <c>squeezenet1_1</c>.</summary>
    public static SqueezeNet Squeezenet1_1(int numClasses) => new(SqueezeNetVersion.V1_1, numClasses);
#pragma warning restore CA1707

    /// <summary>The last feature map, <c>[N, 512, h, w]</c> (the output of <c>features</c>); the target layer for Grad-CAM.</summary>
    public Tensor FeatureMap(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        return features.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>Logits from a feature map returned by <see cref="FeatureMap"/> (the <c>classifier</c>, then flatten).</summary>
    public Tensor Head(Tensor featureMap)
    {
        ArgumentNullException.ThrowIfNull(featureMap);
        using var scope = NewDisposeScope();
        return classifier.call(featureMap).flatten(1).MoveToOuterDisposeScope();
    }

    /// <summary>Logits, <c>Head(FeatureMap(x))</c>.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return Head(FeatureMap(input)).MoveToOuterDisposeScope();
    }

    Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input) =>
        trace.Flatten(path + ".flatten", trace.Children(path, this, input, "features", "classifier"));


    private static MaxPool2d Pool() => MaxPool2d(kernel_size: 3, stride: 2, ceil_mode: true);

    /// <summary>A 1x1 squeeze convolution, then parallel 1x1 and 3x3 expand convolutions concatenated on channels.</summary>
    private sealed class Fire : Module<Tensor, Tensor>, IOnnxEmittable
    {
#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
        private readonly Conv2d squeeze;
        private readonly ReLU squeeze_activation;
        private readonly Conv2d expand1x1;
        private readonly ReLU expand1x1_activation;
        private readonly Conv2d expand3x3;
        private readonly ReLU expand3x3_activation;
#pragma warning restore IDE1006

        public Fire(int inplanes, int squeezePlanes, int expand1x1Planes, int expand3x3Planes)
            : base(nameof(Fire))
        {
            squeeze = Conv2d(inplanes, squeezePlanes, kernel_size: 1);
            squeeze_activation = ReLU(inplace: true);
            expand1x1 = Conv2d(squeezePlanes, expand1x1Planes, kernel_size: 1);
            expand1x1_activation = ReLU(inplace: true);
            expand3x3 = Conv2d(squeezePlanes, expand3x3Planes, kernel_size: 3, padding: 1);
            expand3x3_activation = ReLU(inplace: true);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var x = squeeze_activation.call(squeeze.call(input));
            return cat([expand1x1_activation.call(expand1x1.call(x)), expand3x3_activation.call(expand3x3.call(x))], 1)
                .MoveToOuterDisposeScope();
        }

        Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input)
        {
            var x = trace.Children(path, this, input, "squeeze", "squeeze_activation");
            return trace.Concat(path + ".cat",
                [trace.Children(path, this, x, "expand1x1", "expand1x1_activation"), trace.Children(path, this, x, "expand3x3", "expand3x3_activation")], 1);
        }
    }
}
