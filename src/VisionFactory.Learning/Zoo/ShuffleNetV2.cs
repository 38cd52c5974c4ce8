using TorchSharp;
using TorchSharp.Modules;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionFactory.Learning.Zoo;

/// <summary>
/// ShuffleNet V2 with torchvision 0.14's layout and parameter names (<c>conv1.0</c> / <c>.1</c>,
/// <c>stage2.0.branch1.N</c>, <c>stage2.0.branch2.N</c>, ..., <c>conv5.0</c> / <c>.1</c>, <c>fc</c>), so torchvision
/// state dicts load one to one. Input: <c>[N, 3, H, W]</c> float; output: <c>[N, numClasses]</c> logits.
/// </summary>
/// <remarks>Each forward pass runs inside its own dispose scope, so only the returned tensor survives.</remarks>
public sealed class ShuffleNetV2 : Module<Tensor, Tensor>, IOnnxEmittable
{
    /// <summary>Module path of the final classifier layer (a <see cref="TorchSharp.Modules.Linear"/>).</summary>
    public const string HeadPath = "fc";

#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
    private readonly Sequential conv1;
    private readonly MaxPool2d maxpool;
    private readonly Sequential stage2;
    private readonly Sequential stage3;
    private readonly Sequential stage4;
    private readonly Sequential conv5;
    private readonly Linear fc;
#pragma warning restore IDE1006

    /// <summary>Creates the network with PyTorch's default initialisation (torchvision applies no custom one).</summary>
    /// <param name="stagesRepeats">Blocks in stage2, stage3, stage4 (three values).</param>
    /// <param name="stagesOutChannels">Channels of conv1, stage2, stage3, stage4, conv5 (five values).</param>
    /// <param name="numClasses">Outputs of the <c>fc</c> head.</param>
    /// <param name="name">The module name.</param>
    public ShuffleNetV2(IReadOnlyList<int> stagesRepeats, IReadOnlyList<int> stagesOutChannels, int numClasses, string name = "ShuffleNetV2")
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(stagesRepeats);
        ArgumentNullException.ThrowIfNull(stagesOutChannels);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        if (stagesRepeats.Count != 3 || stagesRepeats.Any(r => r < 1))
            throw new ArgumentException("Expected three positive stage repeats.", nameof(stagesRepeats));
        if (stagesOutChannels.Count != 5 || stagesOutChannels.Any(c => c < 1))
            throw new ArgumentException("Expected five positive channel counts.", nameof(stagesOutChannels));
        if (stagesOutChannels.Skip(1).Take(3).Any(c => c % 2 != 0))
            throw new ArgumentException("Stage channel counts must be even (each block splits its channels in two).", nameof(stagesOutChannels));

        StagesRepeats = stagesRepeats.ToArray();
        StagesOutChannels = stagesOutChannels.ToArray();
        NumClasses = numClasses;

        var inputChannels = StagesOutChannels[0];
        conv1 = Sequential(
            Conv2d(3, inputChannels, kernel_size: 3, stride: 2, padding: 1, bias: false),
            BatchNorm2d(inputChannels),
            ReLU(inplace: true));
        maxpool = MaxPool2d(kernel_size: 3, stride: 2, padding: 1);

        var stages = new Sequential[3];
        for (var s = 0; s < 3; s++)
        {
            var outputChannels = StagesOutChannels[s + 1];
            var blocks = new List<Module<Tensor, Tensor>> { new InvertedResidual(inputChannels, outputChannels, 2) };
            for (var i = 1; i < StagesRepeats[s]; i++)
                blocks.Add(new InvertedResidual(outputChannels, outputChannels, 1));
            stages[s] = Sequential(blocks);
            inputChannels = outputChannels;
        }

        (stage2, stage3, stage4) = (stages[0], stages[1], stages[2]);

        FeatureCount = StagesOutChannels[4];
        conv5 = Sequential(
            Conv2d(inputChannels, FeatureCount, kernel_size: 1, stride: 1, bias: false),
            BatchNorm2d(FeatureCount),
            ReLU(inplace: true));
        fc = Linear(FeatureCount, numClasses);
        RegisterComponents();
    }

    /// <summary>Blocks in stage2, stage3, stage4.</summary>
    public IReadOnlyList<int> StagesRepeats { get; }

    /// <summary>Channels of conv1, stage2, stage3, stage4, conv5.</summary>
    public IReadOnlyList<int> StagesOutChannels { get; }

    /// <summary>Outputs of the <c>fc</c> head.</summary>
    public int NumClasses { get; }

    /// <summary>Width of the pooled feature vector (the input of <c>fc</c>): 1024, or 2048 for x2.0.</summary>
    public int FeatureCount { get; }

#pragma warning disable CA1707 // Factory names are torchvision's model names (1_0 reads 1.0).
    /// <summary>torchvision <c>shufflenet_v2_x0_5</c>: repeats (4, 8, 4), channels (24, 48, 96, 192, 1024).</summary>
    public static ShuffleNetV2 ShufflenetV2X0_5(int numClasses) => new([4, 8, 4], [24, 48, 96, 192, 1024], numClasses);

    /// <summary>torchvision <c>shufflenet_v2_x1_0</c>: repeats (4, 8, 4), channels (24, 116, 232, 464, 1024).</summary>
    public static ShuffleNetV2 ShufflenetV2X1_0(int numClasses) => new([4, 8, 4], [24, 116, 232, 464, 1024], numClasses);

    /// <summary>torchvision <c>shufflenet_v2_x1_5</c>: repeats (4, 8, 4), channels (24, 176, 352, 704, 1024).</summary>
    public static ShuffleNetV2 ShufflenetV2X1_5(int numClasses) => new([4, 8, 4], [24, 176, 352, 704, 1024], numClasses);

    /// <summary>torchvision <c>shufflenet_v2_x2_0</c>: repeats (4, 8, 4), channels (24, 244, 488, 976, 2048).</summary>
    public static ShuffleNetV2 ShufflenetV2X2_0(int numClasses) => new([4, 8, 4], [24, 244, 488, 976, 2048], numClasses);
#pragma warning restore CA1707

    /// <summary>The last feature map, <c>[N, FeatureCount, H/32, W/32]</c> (the output of <c>conv5</c>); the target layer for CAM and Grad-CAM.</summary>
    public Tensor FeatureMap(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var y = maxpool.call(conv1.call(x));
        y = stage4.call(stage3.call(stage2.call(y)));
        return conv5.call(y).MoveToOuterDisposeScope();
    }

    /// <summary>Logits from a feature map returned by <see cref="FeatureMap"/> (spatial mean, then <c>fc</c>).</summary>
    public Tensor Head(Tensor featureMap)
    {
        ArgumentNullException.ThrowIfNull(featureMap);
        using var scope = NewDisposeScope();
        return fc.call(featureMap.mean([2, 3])).MoveToOuterDisposeScope();
    }

    /// <summary>Logits, <c>Head(FeatureMap(x))</c>.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return Head(FeatureMap(input)).MoveToOuterDisposeScope();
    }

    Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input)
    {
        var map = trace.Children(path, this, input, "conv1", "maxpool", "stage2", "stage3", "stage4", "conv5");
        return trace.Child(path, this, "fc", trace.ReduceMean(path + ".mean", map, 2, 3));
    }


    /// <summary>
    /// A ShuffleNet V2 unit. Stride 1: split the channels in half, transform the second half (<c>branch2</c>), concatenate.
    /// Stride 2: both <c>branch1</c> and <c>branch2</c> transform the whole input. Then shuffle the channels in two groups.
    /// </summary>
    private sealed class InvertedResidual : Module<Tensor, Tensor>, IOnnxEmittable
    {
#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
        private readonly Sequential? branch1;
        private readonly Sequential branch2;
#pragma warning restore IDE1006

        public InvertedResidual(int inp, int oup, int stride)
            : base(nameof(InvertedResidual))
        {
            if (stride is < 1 or > 3)
                throw new ArgumentOutOfRangeException(nameof(stride), stride, "Illegal stride value.");
            var branchFeatures = oup / 2;
            if (stride == 1 && inp != branchFeatures << 1)
                throw new ArgumentException($"With stride 1, inp ({inp}) must equal oup / 2 * 2 ({branchFeatures << 1}).", nameof(inp));

            if (stride > 1)
            {
                branch1 = Sequential(
                    Depthwise(inp, stride),
                    BatchNorm2d(inp),
                    Conv2d(inp, branchFeatures, kernel_size: 1, stride: 1, bias: false),
                    BatchNorm2d(branchFeatures),
                    ReLU(inplace: true));
            }

            branch2 = Sequential(
                Conv2d(stride > 1 ? inp : branchFeatures, branchFeatures, kernel_size: 1, stride: 1, bias: false),
                BatchNorm2d(branchFeatures),
                ReLU(inplace: true),
                Depthwise(branchFeatures, stride),
                BatchNorm2d(branchFeatures),
                Conv2d(branchFeatures, branchFeatures, kernel_size: 1, stride: 1, bias: false),
                BatchNorm2d(branchFeatures),
                ReLU(inplace: true));
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            Tensor y;
            if (branch1 is null)
            {
                var halves = input.chunk(2, 1);
                y = cat([halves[0], branch2.call(halves[1])], 1);
            }
            else
            {
                y = cat([branch1.call(input), branch2.call(input)], 1);
            }

            return ChannelShuffle(y, 2).MoveToOuterDisposeScope();
        }

        Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input)
        {
            Traced y;
            if (branch1 is null)
            {
                var half = input.Shape[1] / 2;
                var halves = trace.Split(path + ".chunk", input, 1, half, input.Shape[1] - half);
                y = trace.Concat(path + ".cat", [halves[0], trace.Child(path, this, "branch2", halves[1])], 1);
            }
            else
            {
                y = trace.Concat(path + ".cat", [trace.Child(path, this, "branch1", input), trace.Child(path, this, "branch2", input)], 1);
            }

            return trace.ChannelShuffle(path + ".shuffle", y, 2);
        }

        private static Conv2d Depthwise(int channels, int stride) =>
            Conv2d(channels, channels, kernel_size: 3, stride: stride, padding: 1, groups: channels, bias: false);

        private static Tensor ChannelShuffle(Tensor x, int groups)
        {
            var (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
            return x.view(batch, groups, channels / groups, height, width)
                .transpose(1, 2)
                .contiguous()
                .view(batch, -1, height, width);
        }
    }
}
