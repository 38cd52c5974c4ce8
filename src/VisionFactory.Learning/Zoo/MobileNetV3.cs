using TorchSharp;
using TorchSharp.Modules;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionFactory.Learning.Zoo;

/// <summary>The two MobileNetV3 configurations of the paper (Tables 1 and 2).</summary>
public enum MobileNetV3Size
{
    /// <summary><c>mobilenet_v3_small</c>.</summary>
    Small,

    /// <summary><c>mobilenet_v3_large</c>.</summary>
    Large,
}

/// <summary>
/// MobileNetV3 with torchvision 0.14's layout and parameter names: <c>features.0</c> (stem Conv2dNormActivation,
/// hardswish), <c>features.N.block.M</c> inverted residuals (squeeze-excitation with hardsigmoid), the last 1x1
/// Conv2dNormActivation, <c>avgpool</c>, <c>classifier</c> = Linear, Hardswish, Dropout, Linear.
/// Batch norms use eps 0.001, momentum 0.01. Input: <c>[N, 3, H, W]</c> float; output: <c>[N, numClasses]</c> logits.
/// </summary>
public sealed class MobileNetV3 : Module<Tensor, Tensor>, IOnnxEmittable
{
    /// <summary>Module path of the final Linear classifier.</summary>
    public const string HeadPath = "classifier.3";

    private const double BnEps = 0.001;
    private const double BnMomentum = 0.01;

#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;
#pragma warning restore IDE1006

    /// <summary>Creates the network with torchvision's initialisation.</summary>
    /// <param name="size">Small or large.</param>
    /// <param name="numClasses">Outputs of the classifier.</param>
    /// <param name="widthMult">Channel multiplier (torchvision: 1.0).</param>
    /// <param name="reducedTail">Halve the channels of the last blocks (torchvision's <c>reduced_tail</c>).</param>
    /// <param name="dilated">Dilate the last blocks instead of striding (torchvision's <c>dilated</c>).</param>
    /// <param name="dropout">Dropout inside the classifier (torchvision: 0.2).</param>
    /// <param name="name">The module name.</param>
    public MobileNetV3(MobileNetV3Size size, int numClasses, double widthMult = 1.0, bool reducedTail = false, bool dilated = false, double dropout = 0.2, string name = "MobileNetV3")
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(widthMult);
        Size = size;
        NumClasses = numClasses;

        var (setting, lastChannel) = Configuration(size, widthMult, reducedTail ? 2 : 1, dilated ? 2 : 1);

        var layers = new List<Module<Tensor, Tensor>>
        {
            ConvBlocks.ConvBnAct(3, setting[0].In, 3, () => Hardswish(), stride: 2, eps: BnEps, momentum: BnMomentum),
        };
        foreach (var cnf in setting)
            layers.Add(new InvertedResidual(cnf));

        var lastIn = setting[^1].Out;
        FeatureCount = 6 * lastIn;
        layers.Add(ConvBlocks.ConvBnAct(lastIn, FeatureCount, 1, () => Hardswish(), eps: BnEps, momentum: BnMomentum));
        features = Sequential(layers);
        avgpool = AdaptiveAvgPool2d(1);
        classifier = Sequential(
            Linear(FeatureCount, lastChannel),
            Hardswish(),
            Dropout(dropout),
            Linear(lastChannel, numClasses));
        RegisterComponents();

        using (no_grad())
        {
            foreach (var (_, module) in named_modules())
            {
                switch (module)
                {
                    case Conv2d conv:
                        init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut);
                        if (conv.bias is not null)
                            init.zeros_(conv.bias);
                        break;
                    case BatchNorm2d bn:
                        init.ones_(bn.weight);
                        init.zeros_(bn.bias);
                        break;
                    case Linear linear:
                        init.normal_(linear.weight, 0.0, 0.01);
                        if (linear.bias is not null)
                            init.zeros_(linear.bias);
                        break;
                }
            }
        }
    }

    /// <summary>Small or large.</summary>
    public MobileNetV3Size Size { get; }

    /// <summary>Outputs of the classifier.</summary>
    public int NumClasses { get; }

    /// <summary>Channels of the last feature map (the input width of <c>classifier.0</c>).</summary>
    public int FeatureCount { get; }

    /// <summary>torchvision's <c>mobilenet_v3_small</c>.</summary>
    public static MobileNetV3 MobilenetV3Small(int numClasses) => new(MobileNetV3Size.Small, numClasses);

    /// <summary>torchvision's <c>mobilenet_v3_large</c>.</summary>
    public static MobileNetV3 MobilenetV3Large(int numClasses) => new(MobileNetV3Size.Large, numClasses);

    /// <summary>The last feature map, <c>[N, FeatureCount, H/32, W/32]</c> (the output of <c>features</c>).</summary>
    public Tensor FeatureMap(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        return features.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>Logits from a feature map returned by <see cref="FeatureMap"/> (pool, flatten, classifier).</summary>
    public Tensor Head(Tensor featureMap)
    {
        ArgumentNullException.ThrowIfNull(featureMap);
        using var scope = NewDisposeScope();
        return classifier.call(avgpool.call(featureMap).flatten(1)).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return Head(FeatureMap(input)).MoveToOuterDisposeScope();
    }

    Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input) =>
        trace.Child(path, this, "classifier", trace.Flatten(path + ".flatten", trace.Children(path, this, input, "features", "avgpool")));

    private static (BlockConfig[] Setting, int LastChannel) Configuration(MobileNetV3Size size, double widthMult, int reduceDivider, int dilation)
    {
        int Adjust(int channels) => ConvBlocks.MakeDivisible(channels * widthMult, 8);
        BlockConfig B(int input, int kernel, int expanded, int output, bool se, bool hardswish, int stride, int dil = 1) =>
            new(Adjust(input), kernel, Adjust(expanded), Adjust(output), se, hardswish, stride, dil);

        const bool RE = false, HS = true;
        return size switch
        {
            MobileNetV3Size.Large => (
            [
                B(16, 3, 16, 16, false, RE, 1),
                B(16, 3, 64, 24, false, RE, 2),
                B(24, 3, 72, 24, false, RE, 1),
                B(24, 5, 72, 40, true, RE, 2),
                B(40, 5, 120, 40, true, RE, 1),
                B(40, 5, 120, 40, true, RE, 1),
                B(40, 3, 240, 80, false, HS, 2),
                B(80, 3, 200, 80, false, HS, 1),
                B(80, 3, 184, 80, false, HS, 1),
                B(80, 3, 184, 80, false, HS, 1),
                B(80, 3, 480, 112, true, HS, 1),
                B(112, 3, 672, 112, true, HS, 1),
                B(112, 5, 672, 160 / reduceDivider, true, HS, 2, dilation),
                B(160 / reduceDivider, 5, 960 / reduceDivider, 160 / reduceDivider, true, HS, 1, dilation),
                B(160 / reduceDivider, 5, 960 / reduceDivider, 160 / reduceDivider, true, HS, 1, dilation),
            ], Adjust(1280 / reduceDivider)),
            MobileNetV3Size.Small => (
            [
                B(16, 3, 16, 16, true, RE, 2),
                B(16, 3, 72, 24, false, RE, 2),
                B(24, 3, 88, 24, false, RE, 1),
                B(24, 5, 96, 40, true, HS, 2),
                B(40, 5, 240, 40, true, HS, 1),
                B(40, 5, 240, 40, true, HS, 1),
                B(40, 5, 120, 48, true, HS, 1),
                B(48, 5, 144, 48, true, HS, 1),
                B(48, 5, 288, 96 / reduceDivider, true, HS, 2, dilation),
                B(96 / reduceDivider, 5, 576 / reduceDivider, 96 / reduceDivider, true, HS, 1, dilation),
                B(96 / reduceDivider, 5, 576 / reduceDivider, 96 / reduceDivider, true, HS, 1, dilation),
            ], Adjust(1024 / reduceDivider)),
            _ => throw new ArgumentOutOfRangeException(nameof(size), size, "Unknown MobileNetV3 size."),
        };
    }

    private readonly record struct BlockConfig(int In, int Kernel, int Expanded, int Out, bool UseSe, bool UseHardswish, int Stride, int Dilation);

    /// <summary>Inverted residual: expand 1x1, depthwise kxk, [squeeze-excitation], project 1x1; residual when shapes match.</summary>
    private sealed class InvertedResidual : Module<Tensor, Tensor>, IOnnxEmittable
    {
#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
        private readonly Sequential block;
#pragma warning restore IDE1006
        private readonly bool useResidual;

        public InvertedResidual(BlockConfig cnf)
            : base(nameof(InvertedResidual))
        {
            useResidual = cnf.Stride == 1 && cnf.In == cnf.Out;
            Func<Module<Tensor, Tensor>> activation = cnf.UseHardswish ? () => Hardswish() : () => ReLU();
            var layers = new List<Module<Tensor, Tensor>>();
            if (cnf.Expanded != cnf.In)
                layers.Add(ConvBlocks.ConvBnAct(cnf.In, cnf.Expanded, 1, activation, eps: BnEps, momentum: BnMomentum));
            layers.Add(ConvBlocks.ConvBnAct(cnf.Expanded, cnf.Expanded, cnf.Kernel, activation,
                stride: cnf.Dilation > 1 ? 1 : cnf.Stride, groups: cnf.Expanded, dilation: cnf.Dilation, eps: BnEps, momentum: BnMomentum));
            if (cnf.UseSe)
                layers.Add(new SqueezeExcitation(cnf.Expanded, ConvBlocks.MakeDivisible(cnf.Expanded / 4, 8), ReLU(), Hardsigmoid()));
            layers.Add(ConvBlocks.ConvBnAct(cnf.Expanded, cnf.Out, 1, null, eps: BnEps, momentum: BnMomentum));
            block = Sequential(layers);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var result = block.call(input);
            if (useResidual)
                result = result.add(input, HeldScalars.One);
            return result.MoveToOuterDisposeScope();
        }

        Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input)
        {
            var result = trace.Child(path, this, "block", input);
            return useResidual ? trace.Add(path + ".add", result, input) : result;
        }
    }
}
