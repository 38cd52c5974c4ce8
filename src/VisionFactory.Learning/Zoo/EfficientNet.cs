using TorchSharp;
using TorchSharp.Modules;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionFactory.Learning.Zoo;

/// <summary>
/// EfficientNet (B0-B3) with torchvision 0.14's layout and parameter names: <c>features.0</c> (stem
/// Conv2dNormActivation), <c>features.1</c>-<c>features.7</c> (stages of MBConv blocks, <c>features.S.B.block.N</c>
/// with <c>fc1</c> / <c>fc2</c> squeeze-excitation), <c>features.8</c> (1x1 head convolution), <c>avgpool</c>,
/// <c>classifier</c> = Dropout, Linear. Input: <c>[N, 3, H, W]</c> float; output: <c>[N, numClasses]</c> logits.
/// </summary>
public sealed class EfficientNet : Module<Tensor, Tensor>, IOnnxEmittable
{
    /// <summary>Module path of the final Linear classifier.</summary>
    public const string HeadPath = "classifier.1";

    // expand ratio, kernel, stride, input channels, output channels, layers (EfficientNet paper, Table 1).
    private static readonly (int Expand, int Kernel, int Stride, int In, int Out, int Layers)[] BaseSetting =
    [
        (1, 3, 1, 32, 16, 1),
        (6, 3, 2, 16, 24, 2),
        (6, 5, 2, 24, 40, 2),
        (6, 3, 2, 40, 80, 3),
        (6, 5, 1, 80, 112, 3),
        (6, 5, 2, 112, 192, 4),
        (6, 3, 1, 192, 320, 1),
    ];

#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;
#pragma warning restore IDE1006

    /// <summary>Creates the network with torchvision's initialisation.</summary>
    /// <param name="widthMult">Channel multiplier (B0 1.0, B1 1.0, B2 1.1, B3 1.2).</param>
    /// <param name="depthMult">Layer multiplier (B0 1.0, B1 1.1, B2 1.2, B3 1.4).</param>
    /// <param name="dropout">Dropout before the classifier (B0/B1 0.2, B2/B3 0.3).</param>
    /// <param name="numClasses">Outputs of the classifier.</param>
    /// <param name="stochasticDepthProbability">Stochastic-depth probability of the last block (torchvision: 0.2), ramped linearly from 0.</param>
    /// <param name="name">The module name.</param>
    public EfficientNet(double widthMult, double depthMult, double dropout, int numClasses, double stochasticDepthProbability = 0.2, string name = "EfficientNet")
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(widthMult);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depthMult);
        NumClasses = numClasses;

        var setting = BaseSetting
            .Select(s => (s.Expand, s.Kernel, s.Stride,
                In: AdjustChannels(s.In, widthMult), Out: AdjustChannels(s.Out, widthMult),
                Layers: (int)Math.Ceiling(s.Layers * depthMult)))
            .ToArray();

        var layers = new List<Module<Tensor, Tensor>>
        {
            ConvBlocks.ConvBnAct(3, setting[0].In, 3, () => SiLU(), stride: 2),
        };
        var totalBlocks = setting.Sum(s => s.Layers);
        var blockId = 0;
        foreach (var s in setting)
        {
            var stage = new List<Module<Tensor, Tensor>>();
            for (var i = 0; i < s.Layers; i++)
            {
                var sdProbability = stochasticDepthProbability * blockId / totalBlocks;
                stage.Add(new MBConv(s.Expand, s.Kernel, i == 0 ? s.Stride : 1, i == 0 ? s.In : s.Out, s.Out, sdProbability));
                blockId++;
            }

            layers.Add(Sequential(stage));
        }

        var lastIn = setting[^1].Out;
        FeatureCount = 4 * lastIn;
        layers.Add(ConvBlocks.ConvBnAct(lastIn, FeatureCount, 1, () => SiLU()));
        features = Sequential(layers);
        avgpool = AdaptiveAvgPool2d(1);
        classifier = Sequential(Dropout(dropout), Linear(FeatureCount, numClasses));
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
                        var range = 1.0 / Math.Sqrt(linear.weight.shape[0]);
                        init.uniform_(linear.weight, -range, range);
                        if (linear.bias is not null)
                            init.zeros_(linear.bias);
                        break;
                }
            }
        }
    }

    /// <summary>Outputs of the classifier.</summary>
    public int NumClasses { get; }

    /// <summary>Channels of the last feature map (the input width of <c>classifier.1</c>).</summary>
    public int FeatureCount { get; }

    /// <summary>torchvision's <c>efficientnet_b0</c>.</summary>
    public static EfficientNet EfficientnetB0(int numClasses) => new(1.0, 1.0, 0.2, numClasses);

    /// <summary>torchvision's <c>efficientnet_b1</c>.</summary>
    public static EfficientNet EfficientnetB1(int numClasses) => new(1.0, 1.1, 0.2, numClasses);

    /// <summary>torchvision's <c>efficientnet_b2</c>.</summary>
    public static EfficientNet EfficientnetB2(int numClasses) => new(1.1, 1.2, 0.3, numClasses);

    /// <summary>torchvision's <c>efficientnet_b3</c>.</summary>
    public static EfficientNet EfficientnetB3(int numClasses) => new(1.2, 1.4, 0.3, numClasses);

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

    private static int AdjustChannels(int channels, double widthMult) => ConvBlocks.MakeDivisible(channels * widthMult, 8);

    /// <summary>Mobile inverted bottleneck: expand 1x1, depthwise kxk, squeeze-excitation, project 1x1; residual with stochastic depth.</summary>
    private sealed class MBConv : Module<Tensor, Tensor>, IOnnxEmittable
    {
#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
        private readonly Sequential block;
        private readonly StochasticDepth stochastic_depth;
#pragma warning restore IDE1006
        private readonly bool useResidual;

        public MBConv(int expandRatio, int kernel, int stride, int inChannels, int outChannels, double stochasticDepthProbability)
            : base(nameof(MBConv))
        {
            useResidual = stride == 1 && inChannels == outChannels;
            var expanded = AdjustChannels(inChannels, expandRatio);
            var layers = new List<Module<Tensor, Tensor>>();
            if (expanded != inChannels)
                layers.Add(ConvBlocks.ConvBnAct(inChannels, expanded, 1, () => SiLU()));
            layers.Add(ConvBlocks.ConvBnAct(expanded, expanded, kernel, () => SiLU(), stride: stride, groups: expanded));
            layers.Add(new SqueezeExcitation(expanded, Math.Max(1, inChannels / 4), SiLU(), Sigmoid()));
            layers.Add(ConvBlocks.ConvBnAct(expanded, outChannels, 1, null));
            block = Sequential(layers);
            stochastic_depth = new StochasticDepth(stochasticDepthProbability);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var result = block.call(input);
            if (useResidual)
                result = stochastic_depth.call(result).add(input, HeldScalars.One);
            return result.MoveToOuterDisposeScope();
        }

        Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input)
        {
            var result = trace.Child(path, this, "block", input);
            return useResidual ? trace.Add(path + ".add", trace.Child(path, this, "stochastic_depth", result), input) : result;
        }
    }
}
