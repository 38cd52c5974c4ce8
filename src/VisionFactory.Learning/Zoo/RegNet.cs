using TorchSharp;
using TorchSharp.Modules;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionFactory.Learning.Zoo;

/// <summary>
/// Per-stage settings of a RegNet, computed as torchvision 0.14's <c>BlockParams.from_init_params</c> does.
/// </summary>
/// <param name="Depths">Blocks per stage.</param>
/// <param name="Widths">Output width per stage.</param>
/// <param name="GroupWidths">Group width per stage.</param>
/// <param name="BottleneckMultipliers">Bottleneck multiplier per stage.</param>
/// <param name="Strides">Stride of the first block per stage.</param>
/// <param name="SeRatio">Squeeze-excitation ratio (RegNetY), or null (RegNetX).</param>
public sealed record RegNetBlockParams(
    IReadOnlyList<int> Depths,
    IReadOnlyList<int> Widths,
    IReadOnlyList<int> GroupWidths,
    IReadOnlyList<double> BottleneckMultipliers,
    IReadOnlyList<int> Strides,
    double? SeRatio)
{
    /// <summary>
    /// torchvision's quantised-linear block widths: <c>w_j = w_0 + w_a j</c>, quantised in log space with step
    /// <c>w_m</c> and to multiples of 8, then grouped into stages. The float32 tensor arithmetic is torch's, as in
    /// torchvision, so the rounding matches.
    /// </summary>
    public static RegNetBlockParams FromInitParams(int depth, int w0, double wa, double wm, int groupWidth, double bottleneckMultiplier = 1.0, double? seRatio = null)
    {
        const int Quant = 8;
        const int Stride = 2;
        if (wa < 0 || w0 <= 0 || wm <= 1 || w0 % 8 != 0 || depth < 1)
            throw new ArgumentException("Invalid RegNet settings.");

        int[] blockWidths;
        using (NewDisposeScope())
        {
            var widthsCont = (arange(depth) * wa) + w0;
            var capacity = (log(widthsCont / w0) / Math.Log(wm)).round();
            var powered = full_like(capacity, wm).pow(capacity);
            var widths = (((powered * w0) / Quant).round() * Quant).to_type(ScalarType.Int32);
            blockWidths = widths.data<int>().ToArray();
        }

        var numStages = blockWidths.Distinct().Count();

        // splits[d]: a new stage begins at block d (d = blockWidths.Length closes the last one).
        var splits = new bool[blockWidths.Length + 1];
        for (var d = 0; d <= blockWidths.Length; d++)
        {
            var w = d < blockWidths.Length ? blockWidths[d] : 0;
            var wp = d > 0 ? blockWidths[d - 1] : 0;
            splits[d] = w != wp;
        }

        var stageWidths = blockWidths.Where((_, d) => splits[d]).ToList();
        var starts = Enumerable.Range(0, splits.Length).Where(d => splits[d]).ToList();
        var stageDepths = starts.Zip(starts.Skip(1), (a, b) => b - a).ToList();

        var bottlenecks = Enumerable.Repeat(bottleneckMultiplier, numStages).ToList();
        var groupWidths = Enumerable.Repeat(groupWidth, numStages).ToList();

        // _adjust_widths_groups_compatibilty
        var count = Math.Min(stageWidths.Count, numStages);
        var bottleneckWidths = Enumerable.Range(0, count).Select(i => (int)(stageWidths[i] * bottlenecks[i])).ToList();
        var groupWidthsMin = Enumerable.Range(0, count).Select(i => Math.Min(groupWidths[i], bottleneckWidths[i])).ToList();
        var adjustedBottleneck = Enumerable.Range(0, count).Select(i => ConvBlocks.MakeDivisible(bottleneckWidths[i], groupWidthsMin[i])).ToList();
        var adjustedWidths = Enumerable.Range(0, count).Select(i => (int)(adjustedBottleneck[i] / bottlenecks[i])).ToList();

        return new RegNetBlockParams(
            stageDepths, adjustedWidths, groupWidthsMin, bottlenecks, Enumerable.Repeat(Stride, numStages).ToList(), seRatio);
    }
}

/// <summary>
/// RegNet (X and Y) with torchvision 0.14's layout and parameter names: <c>stem</c> (3x3 stride-2 Conv2dNormActivation),
/// <c>trunk_output.blockS.blockS-I</c> residual bottleneck blocks (<c>proj</c>, <c>f.a</c>, <c>f.b</c>, <c>f.se</c>,
/// <c>f.c</c>), <c>avgpool</c>, <c>fc</c>. Input: <c>[N, 3, H, W]</c> float; output: <c>[N, numClasses]</c> logits.
/// </summary>
public sealed class RegNet : Module<Tensor, Tensor>, IOnnxEmittable
{
    /// <summary>Module path of the final Linear classifier.</summary>
    public const string HeadPath = "fc";

#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
    private readonly Sequential stem;
    private readonly Sequential trunk_output;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear fc;
#pragma warning restore IDE1006

    /// <summary>Creates the network with torchvision's initialisation.</summary>
    /// <param name="blockParams">Per-stage settings, e.g. from <see cref="RegNetBlockParams.FromInitParams"/>.</param>
    /// <param name="numClasses">Outputs of <c>fc</c>.</param>
    /// <param name="stemWidth">Width of the stem (torchvision: 32).</param>
    /// <param name="name">The module name.</param>
    public RegNet(RegNetBlockParams blockParams, int numClasses, int stemWidth = 32, string name = "RegNet")
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(blockParams);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        BlockParams = blockParams;
        NumClasses = numClasses;

        stem = ConvBlocks.ConvBnAct(3, stemWidth, 3, () => ReLU(), stride: 2);
        var currentWidth = stemWidth;
        var stages = new List<(string, Module<Tensor, Tensor>)>();
        var stageCount = new[]
        {
            blockParams.Widths.Count, blockParams.Strides.Count, blockParams.Depths.Count,
            blockParams.GroupWidths.Count, blockParams.BottleneckMultipliers.Count,
        }.Min();
        for (var s = 0; s < stageCount; s++)
        {
            var index = s + 1;
            var widthOut = blockParams.Widths[s];
            var blocks = new List<(string, Module<Tensor, Tensor>)>();
            for (var i = 0; i < blockParams.Depths[s]; i++)
            {
                blocks.Add(($"block{index}-{i}", new ResBottleneckBlock(
                    i == 0 ? currentWidth : widthOut, widthOut, i == 0 ? blockParams.Strides[s] : 1,
                    blockParams.GroupWidths[s], blockParams.BottleneckMultipliers[s], blockParams.SeRatio)));
            }

            stages.Add(($"block{index}", Sequential(blocks.ToArray())));
            currentWidth = widthOut;
        }

        trunk_output = Sequential(stages.ToArray());
        avgpool = AdaptiveAvgPool2d(1);
        FeatureCount = currentWidth;
        fc = Linear(currentWidth, numClasses);
        RegisterComponents();

        using (no_grad())
        {
            foreach (var (_, module) in named_modules())
            {
                switch (module)
                {
                    case Conv2d conv:
                        var shape = conv.weight.shape;
                        var fanOut = shape[0] * shape[2] * shape[3];
                        init.normal_(conv.weight, 0.0, Math.Sqrt(2.0 / fanOut));
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

    /// <summary>The per-stage settings.</summary>
    public RegNetBlockParams BlockParams { get; }

    /// <summary>Outputs of <c>fc</c>.</summary>
    public int NumClasses { get; }

    /// <summary>Channels of the last feature map (the input width of <c>fc</c>).</summary>
    public int FeatureCount { get; }

    /// <summary>torchvision's <c>regnet_y_400mf</c>.</summary>
    public static RegNet RegnetY400mf(int numClasses) =>
        new(RegNetBlockParams.FromInitParams(16, 48, 27.89, 2.09, 8, seRatio: 0.25), numClasses);

    /// <summary>torchvision's <c>regnet_y_800mf</c>.</summary>
    public static RegNet RegnetY800mf(int numClasses) =>
        new(RegNetBlockParams.FromInitParams(14, 56, 38.84, 2.4, 16, seRatio: 0.25), numClasses);

    /// <summary>torchvision's <c>regnet_x_400mf</c>.</summary>
    public static RegNet RegnetX400mf(int numClasses) =>
        new(RegNetBlockParams.FromInitParams(22, 24, 24.48, 2.54, 16), numClasses);

    /// <summary>torchvision's <c>regnet_x_800mf</c>.</summary>
    public static RegNet RegnetX800mf(int numClasses) =>
        new(RegNetBlockParams.FromInitParams(16, 56, 35.73, 2.28, 16), numClasses);

    /// <summary>The last feature map, <c>[N, FeatureCount, H/32, W/32]</c> (the output of <c>trunk_output</c>).</summary>
    public Tensor FeatureMap(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        return trunk_output.call(stem.call(x)).MoveToOuterDisposeScope();
    }

    /// <summary>Logits from a feature map returned by <see cref="FeatureMap"/> (pool, flatten, <c>fc</c>).</summary>
    public Tensor Head(Tensor featureMap)
    {
        ArgumentNullException.ThrowIfNull(featureMap);
        using var scope = NewDisposeScope();
        return fc.call(avgpool.call(featureMap).flatten(1)).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return Head(FeatureMap(input)).MoveToOuterDisposeScope();
    }

    Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input) =>
        trace.Child(path, this, "fc", trace.Flatten(path + ".flatten", trace.Children(path, this, input, "stem", "trunk_output", "avgpool")));

    /// <summary>Residual bottleneck block: <c>relu(proj(x) + f(x))</c>, <c>f</c> = 1x1, grouped 3x3 [+ SE], 1x1.</summary>
    private sealed class ResBottleneckBlock : Module<Tensor, Tensor>, IOnnxEmittable
    {
#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
        private readonly Sequential? proj;
        private readonly Sequential f;
        private readonly ReLU activation;
#pragma warning restore IDE1006

        public ResBottleneckBlock(int widthIn, int widthOut, int stride, int groupWidth, double bottleneckMultiplier, double? seRatio)
            : base(nameof(ResBottleneckBlock))
        {
            if (widthIn != widthOut || stride != 1)
                proj = ConvBlocks.ConvBnAct(widthIn, widthOut, 1, null, stride: stride);

            var bottleneckWidth = (int)Math.Round(widthOut * bottleneckMultiplier, MidpointRounding.ToEven);
            var groups = bottleneckWidth / groupWidth;
            var layers = new List<(string, Module<Tensor, Tensor>)>
            {
                ("a", ConvBlocks.ConvBnAct(widthIn, bottleneckWidth, 1, () => ReLU())),
                ("b", ConvBlocks.ConvBnAct(bottleneckWidth, bottleneckWidth, 3, () => ReLU(), stride: stride, groups: groups)),
            };
            if (seRatio is { } ratio && ratio != 0.0)
            {
                // The SE reduction ratio is defined with respect to the block's input width.
                var seWidth = (int)Math.Round(ratio * widthIn, MidpointRounding.ToEven);
                layers.Add(("se", new SqueezeExcitation(bottleneckWidth, seWidth, ReLU(), Sigmoid())));
            }

            layers.Add(("c", ConvBlocks.ConvBnAct(bottleneckWidth, widthOut, 1, null)));
            f = Sequential(layers.ToArray());
            activation = ReLU();
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var shortcut = proj is null ? input : proj.call(input);
            return activation.call(shortcut.add(f.call(input), HeldScalars.One)).MoveToOuterDisposeScope();
        }

        Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input)
        {
            var shortcut = proj is null ? input : trace.Child(path, this, "proj", input);
            return trace.Relu(path + ".activation", trace.Add(path + ".add", shortcut, trace.Child(path, this, "f", input)));
        }
    }
}
