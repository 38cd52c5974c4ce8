using TorchSharp;
using TorchSharp.Modules;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionFactory.Learning.Zoo;

/// <summary>One ConvNeXt stage: its blocks' width, the width after the following downsampling layer (null for the last stage), and its block count.</summary>
/// <param name="InputChannels">Width of the stage's blocks.</param>
/// <param name="OutputChannels">Width after the downsampling layer that follows the stage; null when none follows.</param>
/// <param name="Layers">Blocks in the stage.</param>
public readonly record struct ConvNeXtStage(int InputChannels, int? OutputChannels, int Layers);

/// <summary>
/// ConvNeXt with torchvision 0.14's layout and parameter names: <c>features.0</c> (4x4 stride-4 stem convolution +
/// LayerNorm2d), <c>features.1/3/5/7</c> (stages of CNBlocks: <c>block.0</c> depthwise 7x7, <c>block.2</c> LayerNorm,
/// <c>block.3</c> / <c>block.5</c> Linear, <c>layer_scale</c>), <c>features.2/4/6</c> (LayerNorm2d + 2x2 stride-2
/// convolution), <c>avgpool</c>, <c>classifier</c> = LayerNorm2d, Flatten, Linear.
/// Input: <c>[N, 3, H, W]</c> float; output: <c>[N, numClasses]</c> logits.
/// </summary>
public sealed class ConvNeXt : Module<Tensor, Tensor>, IOnnxEmittable
{
    /// <summary>Module path of the final Linear classifier.</summary>
    public const string HeadPath = "classifier.2";

    private const double NormEps = 1e-6;

#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;
#pragma warning restore IDE1006

    /// <summary>Creates the network with torchvision's initialisation (truncated-normal 0.02 weights, zero biases).</summary>
    /// <param name="blockSetting">The stages.</param>
    /// <param name="stochasticDepthProbability">Stochastic-depth probability of the last block, ramped linearly from 0 (tiny: 0.1).</param>
    /// <param name="numClasses">Outputs of the classifier.</param>
    /// <param name="layerScale">Initial value of every <c>layer_scale</c> (torchvision: 1e-6).</param>
    /// <param name="name">The module name.</param>
    public ConvNeXt(IReadOnlyList<ConvNeXtStage> blockSetting, double stochasticDepthProbability, int numClasses, double layerScale = 1e-6, string name = "ConvNeXt")
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(blockSetting);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        if (blockSetting.Count == 0)
            throw new ArgumentException("The block setting must not be empty.", nameof(blockSetting));
        NumClasses = numClasses;

        var layers = new List<Module<Tensor, Tensor>>
        {
            Sequential(
                Conv2d(3, blockSetting[0].InputChannels, 4, stride: 4, padding: 0L, bias: true),
                new LayerNorm2d(blockSetting[0].InputChannels, NormEps)),
        };
        var totalBlocks = blockSetting.Sum(s => s.Layers);
        var blockId = 0;
        foreach (var stage in blockSetting)
        {
            var blocks = new List<Module<Tensor, Tensor>>();
            for (var i = 0; i < stage.Layers; i++)
            {
                var sdProbability = stochasticDepthProbability * blockId / (totalBlocks - 1.0);
                blocks.Add(new CNBlock(stage.InputChannels, layerScale, sdProbability));
                blockId++;
            }

            layers.Add(Sequential(blocks));
            if (stage.OutputChannels is { } outChannels)
            {
                layers.Add(Sequential(
                    new LayerNorm2d(stage.InputChannels, NormEps),
                    Conv2d(stage.InputChannels, outChannels, 2, stride: 2)));
            }
        }

        features = Sequential(layers);
        avgpool = AdaptiveAvgPool2d(1);
        var last = blockSetting[^1];
        FeatureCount = last.OutputChannels ?? last.InputChannels;
        classifier = Sequential(new LayerNorm2d(FeatureCount, NormEps), Flatten(1), Linear(FeatureCount, numClasses));
        RegisterComponents();

        using (no_grad())
        {
            foreach (var (_, module) in named_modules())
            {
                switch (module)
                {
                    case Conv2d conv:
                        TruncatedNormal(conv.weight, 0.02);
                        if (conv.bias is not null)
                            init.zeros_(conv.bias);
                        break;
                    case Linear linear:
                        TruncatedNormal(linear.weight, 0.02);
                        if (linear.bias is not null)
                            init.zeros_(linear.bias);
                        break;
                }
            }
        }
    }

    /// <summary>The stages of torchvision's <c>convnext_tiny</c>.</summary>
    public static IReadOnlyList<ConvNeXtStage> TinySetting { get; } =
        [new(96, 192, 3), new(192, 384, 3), new(384, 768, 9), new(768, null, 3)];

    /// <summary>Outputs of the classifier.</summary>
    public int NumClasses { get; }

    /// <summary>Channels of the last feature map (the input width of <c>classifier.2</c>).</summary>
    public int FeatureCount { get; }

    /// <summary>torchvision's <c>convnext_tiny</c> (stochastic depth 0.1).</summary>
    public static ConvNeXt ConvnextTiny(int numClasses) => new(TinySetting, 0.1, numClasses);

    /// <summary>The last feature map, <c>[N, FeatureCount, H/32, W/32]</c> (the output of <c>features</c>).</summary>
    public Tensor FeatureMap(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        return features.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>Logits from a feature map returned by <see cref="FeatureMap"/> (pool, classifier).</summary>
    public Tensor Head(Tensor featureMap)
    {
        ArgumentNullException.ThrowIfNull(featureMap);
        using var scope = NewDisposeScope();
        return classifier.call(avgpool.call(featureMap)).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return Head(FeatureMap(input)).MoveToOuterDisposeScope();
    }

    Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input) => trace.Children(path, this, input, "features", "avgpool", "classifier");

    /// <summary>
    /// PyTorch's <c>nn.init.trunc_normal_(tensor, std=std)</c> (mean 0, cut at the absolute bounds -2 and 2), by the same
    /// inverse-CDF method; TorchSharp 0.107's <c>init.trunc_normal_</c> fills constants (and NaN) instead.
    /// </summary>
    private static void TruncatedNormal(Tensor tensor, double std, double a = -2.0, double b = 2.0)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        double Cdf(double x) => (1.0 + special.erf(torch.tensor(x / std / Math.Sqrt(2.0), ScalarType.Float64)).item<double>()) / 2.0;
        var low = Cdf(a);
        var high = Cdf(b);
        tensor.uniform_((2 * low) - 1, (2 * high) - 1).erfinv_().mul_(std * Math.Sqrt(2.0)).clamp_(a, b);
    }

    /// <summary>torchvision's <c>LayerNorm2d</c>: a LayerNorm over the channels of an NCHW tensor (parameters <c>weight</c>, <c>bias</c>).</summary>
    private sealed class LayerNorm2d : Module<Tensor, Tensor>, IOnnxEmittable
    {
#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
        private readonly Parameter weight;
        private readonly Parameter bias;
#pragma warning restore IDE1006
        private readonly long[] normalizedShape;
        private readonly double eps;

        public LayerNorm2d(long channels, double eps)
            : base(nameof(LayerNorm2d))
        {
            weight = Parameter(ones(channels).DetachFromDisposeScope());
            bias = Parameter(zeros(channels).DetachFromDisposeScope());
            normalizedShape = [channels];
            this.eps = eps;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var x = functional.layer_norm(input.permute(0, 2, 3, 1), normalizedShape, weight, bias, eps);
            return x.permute(0, 3, 1, 2).MoveToOuterDisposeScope();
        }

        Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input)
        {
            var channelsLast = trace.Transpose(path + ".to_nhwc", input, 0, 2, 3, 1);
            var normalised = trace.LayerNorm(path, normalizedShape, weight, bias, eps, channelsLast);
            return trace.Transpose(path + ".to_nchw", normalised, 0, 3, 1, 2);
        }
    }

    /// <summary>ConvNeXt block: <c>x + stochastic_depth(layer_scale * block(x))</c>.</summary>
    private sealed class CNBlock : Module<Tensor, Tensor>, IOnnxEmittable
    {
#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
        private readonly Sequential block;
        private readonly Parameter layer_scale;
        private readonly StochasticDepth stochastic_depth;
#pragma warning restore IDE1006

        public CNBlock(int dim, double layerScale, double stochasticDepthProbability)
            : base(nameof(CNBlock))
        {
            block = Sequential(
                Conv2d(dim, dim, 7, padding: 3, groups: dim, bias: true),
                new Permute(0, 2, 3, 1),
                LayerNorm(dim, eps: NormEps),
                Linear(dim, 4 * dim),
                GELU(),
                Linear(4 * dim, dim),
                new Permute(0, 3, 1, 2));
            layer_scale = Parameter(full(dim, 1, 1, layerScale).DetachFromDisposeScope());
            stochastic_depth = new StochasticDepth(stochasticDepthProbability);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var result = stochastic_depth.call(layer_scale * block.call(input));
            return result.add(input, HeldScalars.One).MoveToOuterDisposeScope();
        }

        Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input)
        {
            var scaled = trace.Mul(path + ".layer_scale", trace.Constant(path + ".layer_scale", layer_scale.detach()), trace.Child(path, this, "block", input));
            return trace.Add(path + ".add", trace.Child(path, this, "stochastic_depth", scaled), input);
        }
    }
}
