using TorchSharp;
using TorchSharp.Modules;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionFactory.Learning.Zoo;

/// <summary>
/// Building blocks shared by the zoo architectures, mirroring torchvision 0.14's <c>ops.misc</c>
/// (<c>Conv2dNormActivation</c>, <c>SqueezeExcitation</c>) and <c>models._utils._make_divisible</c>.
/// </summary>
internal static class ConvBlocks
{

    /// <summary>
    /// torchvision's <c>Conv2dNormActivation</c>: <c>0</c> = convolution (padding <c>(k - 1) / 2 * dilation</c>, bias only
    /// without a norm), <c>1</c> = batch norm, <c>2</c> = activation (when <paramref name="activation"/> is given).
    /// </summary>
    public static Sequential ConvBnAct(
        long inChannels,
        long outChannels,
        long kernelSize,
        Func<Module<Tensor, Tensor>>? activation,
        long stride = 1,
        long groups = 1,
        long dilation = 1,
        double eps = 1e-5,
        double momentum = 0.1)
    {
        var modules = new List<Module<Tensor, Tensor>>
        {
            Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: (kernelSize - 1) / 2 * dilation,
                dilation: dilation, groups: groups, bias: false),
            BatchNorm2d(outChannels, eps: eps, momentum: momentum),
        };
        if (activation is not null)
            modules.Add(activation());
        return Sequential(modules);
    }

    /// <summary>torchvision's <c>_make_divisible</c>: round to the nearest multiple of the divisor, never more than 10 % down.</summary>
    public static int MakeDivisible(double value, int divisor, int? minValue = null)
    {
        var min = minValue ?? divisor;
        var rounded = Math.Max(min, (int)(value + (divisor / 2.0)) / divisor * divisor);
        if (rounded < 0.9 * value)
            rounded += divisor;
        return rounded;
    }
}

/// <summary>
/// torchvision's <c>SqueezeExcitation</c>: <c>scale_activation(fc2(activation(fc1(avgpool(x))))) * x</c>, with
/// <c>fc1</c> / <c>fc2</c> 1x1 convolutions with bias.
/// </summary>
internal sealed class SqueezeExcitation : Module<Tensor, Tensor>, IOnnxEmittable
{
#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Conv2d fc1;
    private readonly Conv2d fc2;
    private readonly Module<Tensor, Tensor> activation;
    private readonly Module<Tensor, Tensor> scale_activation;
#pragma warning restore IDE1006

    public SqueezeExcitation(long inputChannels, long squeezeChannels, Module<Tensor, Tensor> activation, Module<Tensor, Tensor> scaleActivation)
        : base(nameof(SqueezeExcitation))
    {
        avgpool = AdaptiveAvgPool2d(1);
        fc1 = Conv2d(inputChannels, squeezeChannels, 1);
        fc2 = Conv2d(squeezeChannels, inputChannels, 1);
        this.activation = activation;
        scale_activation = scaleActivation;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var scale = scale_activation.call(fc2.call(activation.call(fc1.call(avgpool.call(input)))));
        return (scale * input).MoveToOuterDisposeScope();
    }

    Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input) =>
        trace.Mul(path + ".scale", trace.Children(path, this, input, "avgpool", "fc1", "activation", "fc2", "scale_activation"), input);
}

/// <summary>
/// torchvision's <c>StochasticDepth</c>: in training, zeroes the residual branch of each sample (<c>"row"</c> mode) or
/// of the whole batch (<c>"batch"</c> mode) with probability <c>p</c> and scales the survivors by <c>1 / (1 - p)</c>;
/// the identity in evaluation or when <c>p</c> is 0.
/// </summary>
public sealed class StochasticDepth : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="probability">Probability of zeroing, in [0, 1].</param>
    /// <param name="rowMode">True for torchvision's <c>"row"</c> mode (one draw per sample), false for <c>"batch"</c> (one draw per batch).</param>
    public StochasticDepth(double probability, bool rowMode = true)
        : base(nameof(StochasticDepth))
    {
        if (probability is < 0.0 or > 1.0 || double.IsNaN(probability))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "The drop probability must lie in [0, 1].");
        Probability = probability;
        RowMode = rowMode;
    }

    /// <summary>Probability of zeroing a row (or the batch).</summary>
    public double Probability { get; }

    /// <summary>True for one draw per sample, false for one draw per batch.</summary>
    public bool RowMode { get; }

    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!training || Probability == 0.0)
            return input.alias();

        using var scope = NewDisposeScope();
        var survival = 1.0 - Probability;
        var size = new long[input.dim()];
        Array.Fill(size, 1L);
        if (RowMode)
            size[0] = input.shape[0];
        var noise = empty(size, dtype: input.dtype, device: input.device).bernoulli_(survival);
        if (survival > 0.0)
        {
            using var divisor = survival.ToScalar();
            noise.div_(divisor);
        }
        return (input * noise).MoveToOuterDisposeScope();
    }
}

/// <summary>A parameterless <c>permute</c> (torchvision's <c>ops.misc.Permute</c>).</summary>
internal sealed class Permute : Module<Tensor, Tensor>, IOnnxEmittable
{
    private readonly long[] dims;

    public Permute(params long[] dims)
        : base(nameof(Permute)) => this.dims = dims;

    public override Tensor forward(Tensor input) => input.permute(dims);

    Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input) => trace.Transpose(path, input, dims);
}
