using TorchSharp;
using TorchSharp.Modules;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionFactory.Learning.Zoo;

/// <summary>
/// MNASNet (B1 variant, torchvision's version 2 with depth-scaled stem) with torchvision 0.14's layout and parameter
/// names (<c>layers.0</c> ... <c>layers.16</c>, stacks <c>layers.8</c> ... <c>layers.13</c> of inverted residuals
/// <c>layers.8.0.layers.N</c>; <c>classifier.1</c>), so torchvision state dicts load one to one.
/// Input: <c>[N, 3, H, W]</c> float; output: <c>[N, numClasses]</c> logits.
/// </summary>
/// <remarks>
/// Batch norms use torchvision's momentum <c>1 - 0.9997</c>. Checkpoints of torchvision's version 1 layout (fixed
/// 32/16-channel stem for alpha other than 1.0) are not supported. Each forward pass runs inside its own dispose scope.
/// </remarks>
public sealed class MnasNet : Module<Tensor, Tensor>, IOnnxEmittable
{
    /// <summary>Module path of the final classifier layer (a <see cref="TorchSharp.Modules.Linear"/>).</summary>
    public const string HeadPath = "classifier.1";

    /// <summary>Width of the pooled feature vector (the input of <c>classifier.1</c>).</summary>
    public const int FeatureCount = 1280;

    /// <summary>Batch-norm momentum: the paper's TensorFlow decay 0.9997, as a PyTorch momentum.</summary>
    public const double BatchNormMomentum = 1 - 0.9997;

    private static readonly int[] BaseDepths = [32, 16, 24, 40, 80, 96, 192, 320];

#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
    private readonly Sequential layers;
    private readonly Sequential classifier;
#pragma warning restore IDE1006

    /// <summary>Creates the network with torchvision's initialisation.</summary>
    /// <param name="alpha">Depth multiplier (0.5, 0.75, 1.0, 1.3 for the torchvision models).</param>
    /// <param name="numClasses">Outputs of the <c>classifier.1</c> head.</param>
    /// <param name="dropout">Dropout before the head (training only).</param>
    /// <param name="name">The module name.</param>
    public MnasNet(double alpha, int numClasses, double dropout = 0.2, string name = "MnasNet")
        : base(name)
    {
        if (!(alpha > 0.0))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be greater than 0.");
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(dropout);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dropout, 1.0);
        Alpha = alpha;
        NumClasses = numClasses;
        var d = Depths(alpha);
        StageDepths = d;

        layers = Sequential(
            // First layer: regular convolution.
            Conv2d(3, d[0], kernel_size: 3, stride: 2, padding: 1, bias: false),
            Norm(d[0]),
            ReLU(inplace: true),
            // Depthwise separable, no skip.
            Conv2d(d[0], d[0], kernel_size: 3, stride: 1, padding: 1, groups: d[0], bias: false),
            Norm(d[0]),
            ReLU(inplace: true),
            Conv2d(d[0], d[1], kernel_size: 1, stride: 1, bias: false),
            Norm(d[1]),
            // Stacks of inverted residuals.
            Stack(d[1], d[2], kernelSize: 3, stride: 2, expansion: 3, repeats: 3),
            Stack(d[2], d[3], kernelSize: 5, stride: 2, expansion: 3, repeats: 3),
            Stack(d[3], d[4], kernelSize: 5, stride: 2, expansion: 6, repeats: 3),
            Stack(d[4], d[5], kernelSize: 3, stride: 1, expansion: 6, repeats: 2),
            Stack(d[5], d[6], kernelSize: 5, stride: 2, expansion: 6, repeats: 4),
            Stack(d[6], d[7], kernelSize: 3, stride: 1, expansion: 6, repeats: 1),
            // Final mapping to the classifier input.
            Conv2d(d[7], FeatureCount, kernel_size: 1, stride: 1, bias: false),
            Norm(FeatureCount),
            ReLU(inplace: true));
        classifier = Sequential(Dropout(dropout), Linear(FeatureCount, numClasses));
        RegisterComponents();

        using (no_grad())
        using (NewDisposeScope())
        {
            foreach (var (_, module) in named_modules())
            {
                switch (module)
                {
                    case Conv2d conv:
                        init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
                        if (conv.bias is not null)
                            init.zeros_(conv.bias);
                        break;
                    case BatchNorm2d bn:
                        init.ones_(bn.weight);
                        init.zeros_(bn.bias);
                        break;
                    case Linear linear:
                        init.kaiming_uniform_(linear.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.Sigmoid);
                        init.zeros_(linear.bias);
                        break;
                }
            }
        }
    }

    /// <summary>Depth multiplier.</summary>
    public double Alpha { get; }

    /// <summary>Outputs of the <c>classifier.1</c> head.</summary>
    public int NumClasses { get; }

    /// <summary>The eight scaled depths (stem, separable, six stacks), torchvision's <c>_get_depths(alpha)</c>.</summary>
    public IReadOnlyList<int> StageDepths { get; }

#pragma warning disable CA1707 // Factory names are torchvision's model names (1_0 reads 1.0).
    /// <summary>torchvision <c>mnasnet0_5</c>.</summary>
    public static MnasNet Mnasnet0_5(int numClasses) => new(0.5, numClasses);

    /// <summary>torchvision <c>mnasnet0_75</c>.</summary>
    public static MnasNet Mnasnet0_75(int numClasses) => new(0.75, numClasses);

    /// <summary>torchvision <c>mnasnet1_0</c>.</summary>
    public static MnasNet Mnasnet1_0(int numClasses) => new(1.0, numClasses);

    /// <summary>torchvision <c>mnasnet1_3</c>.</summary>
    public static MnasNet Mnasnet1_3(int numClasses) => new(1.3, numClasses);
#pragma warning restore CA1707

    /// <summary>
    /// torchvision's <c>_round_to_multiple_of</c>: round <paramref name="value"/> to a multiple of
    /// <paramref name="divisor"/>, rounding up unless that loses more than <c>1 - roundUpBias</c> of the value.
    /// </summary>
    public static int RoundToMultipleOf(double value, int divisor, double roundUpBias = 0.9)
    {
        if (!(roundUpBias > 0.0 && roundUpBias < 1.0))
            throw new ArgumentOutOfRangeException(nameof(roundUpBias), roundUpBias, "roundUpBias must lie in (0, 1).");
        ArgumentOutOfRangeException.ThrowIfLessThan(divisor, 1);
        // Python: max(divisor, int(val + divisor / 2) // divisor * divisor); int() truncates toward zero.
        var truncated = (long)Math.Truncate(value + (divisor / 2.0));
        var newValue = (int)Math.Max(divisor, (long)Math.Floor(truncated / (double)divisor) * divisor);
        return newValue >= roundUpBias * value ? newValue : newValue + divisor;
    }

    /// <summary>The eight depths of the network for <paramref name="alpha"/> (torchvision's <c>_get_depths</c>).</summary>
    public static IReadOnlyList<int> Depths(double alpha) => BaseDepths.Select(depth => RoundToMultipleOf(depth * alpha, 8)).ToArray();

    /// <summary>The last feature map, <c>[N, 1280, H/32, W/32]</c> (the output of <c>layers</c>); the target layer for CAM and Grad-CAM.</summary>
    public Tensor FeatureMap(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        return layers.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>Logits from a feature map returned by <see cref="FeatureMap"/> (spatial mean, then <c>classifier</c>).</summary>
    public Tensor Head(Tensor featureMap)
    {
        ArgumentNullException.ThrowIfNull(featureMap);
        using var scope = NewDisposeScope();
        return classifier.call(featureMap.mean([2, 3])).MoveToOuterDisposeScope();
    }

    /// <summary>Logits, <c>Head(FeatureMap(x))</c>.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return Head(FeatureMap(input)).MoveToOuterDisposeScope();
    }

    Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input) =>
        trace.Child(path, this, "classifier", trace.ReduceMean(path + ".mean", trace.Child(path, this, "layers", input), 2, 3));


    private static BatchNorm2d Norm(int channels) => BatchNorm2d(channels, momentum: BatchNormMomentum);

    /// <summary>A stack of inverted residuals; the first changes shape (no skip), the rest keep it.</summary>
    private static Sequential Stack(int inChannels, int outChannels, int kernelSize, int stride, int expansion, int repeats)
    {
        var blocks = new List<Module<Tensor, Tensor>> { new InvertedResidual(inChannels, outChannels, kernelSize, stride, expansion) };
        for (var i = 1; i < repeats; i++)
            blocks.Add(new InvertedResidual(outChannels, outChannels, kernelSize, 1, expansion));
        return Sequential(blocks);
    }

    /// <summary>Pointwise expansion, depthwise convolution, linear pointwise projection; a residual when the shape is kept.</summary>
    private sealed class InvertedResidual : Module<Tensor, Tensor>, IOnnxEmittable
    {
        private readonly bool applyResidual;

#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
        private readonly Sequential layers;
#pragma warning restore IDE1006

        public InvertedResidual(int inChannels, int outChannels, int kernelSize, int stride, int expansion)
            : base(nameof(InvertedResidual))
        {
            var mid = inChannels * expansion;
            applyResidual = inChannels == outChannels && stride == 1;
            layers = Sequential(
                Conv2d(inChannels, mid, kernel_size: 1, bias: false),
                Norm(mid),
                ReLU(inplace: true),
                Conv2d(mid, mid, kernel_size: kernelSize, stride: stride, padding: kernelSize / 2, groups: mid, bias: false),
                Norm(mid),
                ReLU(inplace: true),
                Conv2d(mid, outChannels, kernel_size: 1, bias: false),
                Norm(outChannels));
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var y = layers.call(input);
            if (applyResidual)
                y = y.add_(input, HeldScalars.One);
            return y.MoveToOuterDisposeScope();
        }

        Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input)
        {
            var y = trace.Child(path, this, "layers", input);
            return applyResidual ? trace.Add(path + ".add", y, input) : y;
        }
    }
}
