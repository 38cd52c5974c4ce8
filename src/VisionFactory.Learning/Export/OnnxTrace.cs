using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static VisionFactory.Learning.Export.OnnxGraphBuilder;

namespace VisionFactory.Learning.Export;

/// <summary>A value of the graph being emitted: its ONNX name and what it holds for the traced example input.</summary>
/// <param name="Name">The ONNX value name.</param>
/// <param name="Value">The tensor computed by TorchSharp for the example input (in the trace's dispose scope).</param>
internal readonly record struct Traced(string Name, Tensor Value)
{
    public long[] Shape => Value.shape;
}

/// <summary>
/// A module whose forward pass the ONNX exporter cannot read from its children alone (residuals, concatenations,
/// shuffles): it describes that forward, next to its <c>forward</c>, with the trace's operations.
/// </summary>
internal interface IOnnxEmittable
{
    /// <summary>Emits this module's forward pass on <paramref name="input"/>; <paramref name="path"/> names the module for errors and node names.</summary>
    Traced EmitOnnx(OnnxTrace trace, string path, Traced input);
}

/// <summary>
/// Emits ONNX while executing: every operation adds its node(s) and computes the same operation with TorchSharp on
/// the example input, so every value's shape is known and each composite module's emitted path is checked against the
/// module's own forward right away.
/// </summary>
internal sealed partial class OnnxTrace
{
    public OnnxTrace(OnnxGraphBuilder graph) => Graph = graph;

    public OnnxGraphBuilder Graph { get; }

    /// <summary>Composite modules whose emitted path was compared with their own forward.</summary>
    public int CheckedModules { get; private set; }

    /// <summary>Emits <paramref name="module"/> (found at <paramref name="path"/>) applied to <paramref name="x"/>.</summary>
    /// <exception cref="NotSupportedException">A module type the exporter does not know, named with its path.</exception>
    public Traced Module(string path, nn.Module module, Traced x)
    {
        ArgumentNullException.ThrowIfNull(module);
        switch (module)
        {
            case IOnnxEmittable emittable:
                return Checked(path, module, x, emittable.EmitOnnx(this, path, x));
            case Sequential sequential:
                return Sequence(path, sequential.named_children().ToList(), x);
            case Conv2d conv:
                return Conv(path, conv, null, x);
            case BatchNorm2d norm:
                return BatchNorm(path, norm, x);
            case Linear linear:
                return Linear(path, linear, x);
            case ReLU:
                return Relu(path, x);
            case ReLU6:
                return Clip(path, x, 0f, 6f);
            case Hardtanh hardtanh:
                return Clip(path, x, (float)hardtanh.min_val, (float)hardtanh.max_val);
            case SiLU:
                return Silu(path, x);
            case Sigmoid:
                return Unary("Sigmoid", path, x, t => t.sigmoid());
            case Hardswish:
                return Unary("HardSwish", path, x, t => nn.functional.hardswish(t));
            case Hardsigmoid:
                return HardSigmoid(path, x);
            case GELU gelu:
                return Gelu(path, gelu, x);
            case Dropout or Identity:
                return x;
            case Zoo.StochasticDepth:
                return module.training
                    ? throw new NotSupportedException($"'{path}' is in training mode; ONNX export needs the network in evaluation mode")
                    : x;
            case MaxPool2d pool:
                return MaxPool(path, x, pool.kernel_size, pool.stride ?? pool.kernel_size, pool.padding ?? [0, 0], pool.dilation ?? [1, 1], pool.ceil_mode);
            case AvgPool2d pool:
                if (pool.divisor_override is not null)
                    throw new NotSupportedException($"'{path}' overrides the pooling divisor, which ONNX's AveragePool cannot express");
                return AvgPool(path, x, pool.kernel_size, pool.stride ?? pool.kernel_size, pool.padding ?? [0, 0], pool.ceil_mode, pool.count_include_pad);
            case AdaptiveAvgPool2d pool:
                return AdaptiveAvgPool(path, x, pool.output_size);
            case Flatten flatten:
                return Flatten(path, x, flatten.start_dim, flatten.end_dim);
            case LayerNorm norm:
                return LayerNorm(path, norm.normalized_shape, norm.weight, norm.bias, norm.eps, x);
            default:
                return TorchVisionModule(path, module, x)
                    ?? throw new NotSupportedException(
                        $"ONNX export does not know module '{(path.Length == 0 ? "(the network)" : path)}' of type {module.GetType().FullName}");
        }
    }

    /// <summary>Emits the named children in order; a convolution directly followed by a batch norm becomes one convolution.</summary>
    public Traced Sequence(string path, IReadOnlyList<(string Name, nn.Module Module)> children, Traced x)
    {
        ArgumentNullException.ThrowIfNull(children);
        for (var i = 0; i < children.Count; i++)
        {
            var (name, child) = children[i];
            if (child is Conv2d conv && i + 1 < children.Count && children[i + 1].Module is BatchNorm2d norm)
            {
                x = Conv(Join(path, name), conv, (Join(path, children[i + 1].Name), norm), x);
                i++;
                continue;
            }

            x = Module(Join(path, name), child, x);
        }

        return x;
    }

    /// <summary>A child of <paramref name="parent"/> by name (for modules emitted from their children).</summary>
    public static nn.Module Child(nn.Module parent, string path, string name)
    {
        ArgumentNullException.ThrowIfNull(parent);
        return parent.named_children().FirstOrDefault(c => c.name == name).module
            ?? throw new NotSupportedException($"'{path}' ({parent.GetType().FullName}) has no child '{name}' the exporter expects");
    }

    /// <summary>Emits the child <paramref name="name"/> of <paramref name="parent"/>.</summary>
    public Traced Child(string path, nn.Module parent, string name, Traced x) => Module(Join(path, name), Child(parent, path, name), x);

    public static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    // The composite's own forward on the same input must give what its emitted path gave.
    private Traced Checked(string path, nn.Module module, Traced x, Traced emitted)
    {
        if (module is not nn.Module<Tensor, Tensor> forward)
            return emitted;
        var own = forward.call(x.Value);
        var difference = MaxRelativeDifference(own, emitted.Value);
        if (!(difference <= CheckTolerance))
        {
            throw new InvalidOperationException(
                $"ONNX export: the emitted path of '{path}' ({module.GetType().Name}) differs from its forward by {difference:E2} (relative); the exporter's description of it is wrong");
        }

        CheckedModules++;
        return emitted;
    }

    /// <summary>Relative difference allowed between a composite's forward and its emitted path (float32 rounding of a different operation order).</summary>
    public const double CheckTolerance = 1e-3;

    /// <summary>max |a - b| / (1 + max |a|), or infinity when the shapes differ.</summary>
    public static double MaxRelativeDifference(Tensor expected, Tensor actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (!expected.shape.SequenceEqual(actual.shape))
            return double.PositiveInfinity;
        using var scope = NewDisposeScope();
        var scale = expected.abs().max().item<float>();
        var difference = (expected - actual).abs().max().item<float>();
        return difference / (1.0 + scale);
    }
}
