using TorchSharp;
using TorchSharp.Modules;
using VisionFactory.Learning.Architectures;
using static TorchSharp.torch;
using static VisionFactory.Learning.Export.OnnxGraphBuilder;

namespace VisionFactory.Learning.Export;

/// <summary>The operations of the trace: each adds ONNX nodes and computes the same thing with TorchSharp.</summary>
internal sealed partial class OnnxTrace
{
    /// <summary>A constant tensor: an initializer in the graph, the tensor itself in the trace.</summary>
    public Traced Constant(string hint, Tensor value) => new(Graph.Initializer(hint, value), value);

    /// <summary>A convolution, with the batch norm that follows it folded into its weights and bias.</summary>
    public Traced Conv(string path, Conv2d conv, (string Path, BatchNorm2d Norm)? followingNorm, Traced x)
    {
        ArgumentNullException.ThrowIfNull(conv);
        if (conv.padding_mode != PaddingModes.Zeros)
            throw new NotSupportedException($"'{path}' pads with {conv.padding_mode}; ONNX export supports zero padding");
        var kernel = conv.kernel_size;
        var dilation = conv.dilation ?? [1, 1];
        long[] begin, end;
        if (conv.padding is { } padding)
        {
            begin = padding;
            end = padding;
        }
        else
        {
            // padding="same" (stride 1): the extra pixel of an even kernel goes to the end, as in PyTorch.
            begin = [.. kernel.Select((k, i) => dilation[i] * (k - 1) / 2)];
            end = [.. kernel.Select((k, i) => (dilation[i] * (k - 1)) - begin[i])];
        }

        var weight = conv.weight.detach();
        var bias = conv.bias?.detach();
        var result = conv.call(x.Value);
        var hint = path;
        if (followingNorm is { } following)
        {
            (weight, bias) = Fold(following.Path, following.Norm, weight, bias);
            result = following.Norm.call(result);
            hint = following.Path;
        }

        var inputs = new List<string> { x.Name, Graph.Initializer(path + ".weight", weight) };
        if (bias is not null)
            inputs.Add(Graph.Initializer(path + ".bias", bias));
        var output = Graph.Node("Conv", hint, inputs,
            Ints("kernel_shape", kernel),
            Ints("strides", conv.stride ?? [1, 1]),
            Ints("pads", [.. begin, .. end]),
            Ints("dilations", dilation),
            Int("group", conv.groups));
        return new(output, result);
    }

    /// <summary>Batch normalisation with its running statistics (evaluation mode).</summary>
    public Traced BatchNorm(string path, BatchNorm2d norm, Traced x)
    {
        ArgumentNullException.ThrowIfNull(norm);
        var (scale, shift) = NormAffine(path, norm);
        var output = Graph.Node("BatchNormalization", path,
            [x.Name, Graph.Initializer(path + ".weight", scale), Graph.Initializer(path + ".bias", shift),
             Graph.Initializer(path + ".running_mean", zeros_like(scale)), Graph.Initializer(path + ".running_var", ones_like(scale))],
            Float("epsilon", 0f));
        return new(output, norm.call(x.Value));
    }

    /// <summary>A linear layer: Gemm on [N, features], MatMul + Add on higher ranks (features last).</summary>
    public Traced Linear(string path, Linear linear, Traced x)
    {
        ArgumentNullException.ThrowIfNull(linear);
        var result = linear.call(x.Value);
        if (x.Shape.Length == 2)
        {
            var inputs = new List<string> { x.Name, Graph.Initializer(path + ".weight", linear.weight) };
            if (linear.bias is not null)
                inputs.Add(Graph.Initializer(path + ".bias", linear.bias));
            return new(Graph.Node("Gemm", path, inputs, Int("transB", 1)), result);
        }

        var product = Graph.Node("MatMul", path + ".matmul", [x.Name, Graph.Initializer(path + ".weight_t", linear.weight.detach().t())]);
        return linear.bias is null
            ? new(product, result)
            : new(Graph.Node("Add", path, [product, Graph.Initializer(path + ".bias", linear.bias)]), result);
    }

    public Traced Relu(string path, Traced x) => Unary("Relu", path, x, t => t.relu());

    public Traced Clip(string path, Traced x, float min, float max)
    {
        using var low = tensor(min);
        using var high = tensor(max);
        var output = Graph.Node("Clip", path, [x.Name, Graph.Initializer(path + ".min", low), Graph.Initializer(path + ".max", high)]);
        return new(output, x.Value.clamp(low, high));
    }

    /// <summary>x * sigmoid(x).</summary>
    public Traced Silu(string path, Traced x)
    {
        var sigmoid = Graph.Node("Sigmoid", path + ".sigmoid", [x.Name]);
        return new(Graph.Node("Mul", path, [x.Name, sigmoid]), nn.functional.silu(x.Value));
    }

    /// <summary>PyTorch's hardsigmoid, relu6(x + 3) / 6 = clip(x / 6 + 1/2, 0, 1).</summary>
    public Traced HardSigmoid(string path, Traced x) =>
        new(Graph.Node("HardSigmoid", path, [x.Name], Float("alpha", 1f / 6f), Float("beta", 0.5f)), nn.functional.hardsigmoid(x.Value));

    /// <summary>GELU with the exact erf form (opset 17 has no Gelu operator): x * (1 + erf(x / sqrt 2)) / 2.</summary>
    public Traced Gelu(string path, GELU gelu, Traced x)
    {
        ArgumentNullException.ThrowIfNull(gelu);
        if (gelu.approximate != GELU.Approximate.none)
            throw new NotSupportedException($"'{path}' uses the {gelu.approximate} approximation of GELU; ONNX export supports the exact one");
        using var invSqrt2 = tensor((float)(1.0 / Math.Sqrt(2.0)));
        using var one = tensor(1f);
        using var half = tensor(0.5f);
        var scaled = Graph.Node("Mul", path + ".scaled", [x.Name, Graph.Initializer(path + ".inv_sqrt2", invSqrt2)]);
        var erf = Graph.Node("Erf", path + ".erf", [scaled]);
        var plusOne = Graph.Node("Add", path + ".plus_one", [erf, Graph.Initializer(path + ".one", one)]);
        var halfX = Graph.Node("Mul", path + ".half_x", [x.Name, Graph.Initializer(path + ".half", half)]);
        return new(Graph.Node("Mul", path, [halfX, plusOne]), gelu.call(x.Value));
    }

    public Traced Unary(string opType, string path, Traced x, Func<Tensor, Tensor> compute)
    {
        ArgumentNullException.ThrowIfNull(compute);
        return new(Graph.Node(opType, path, [x.Name]), compute(x.Value));
    }

    public Traced Add(string path, Traced a, Traced b) =>
        new(Graph.Node("Add", path, [a.Name, b.Name]), a.Value.add(b.Value, HeldScalars.One));

    public Traced Mul(string path, Traced a, Traced b) =>
        new(Graph.Node("Mul", path, [a.Name, b.Name]), a.Value.mul(b.Value));

    public Traced Concat(string path, IReadOnlyList<Traced> parts, long axis)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return new(Graph.Node("Concat", path, parts.Select(p => p.Name), Int("axis", axis)), cat(parts.Select(p => p.Value).ToList(), axis));
    }

    /// <summary>Splits <paramref name="x"/> along <paramref name="axis"/> into parts of the given sizes.</summary>
    public Traced[] Split(string path, Traced x, long axis, params long[] sizes)
    {
        var names = Graph.NodeWithOutputs("Split", path, [x.Name, Graph.Int64s(path + ".sizes", sizes)], sizes.Length, Int("axis", axis));
        var values = x.Value.split(sizes, axis);
        return [.. names.Select((name, i) => new Traced(name, values[i]))];
    }

    /// <summary>ShuffleNet's channel shuffle: [N, g, C/g, H, W], swap the group axes, back to [N, C, H, W]; the batch stays dynamic.</summary>
    public Traced ChannelShuffle(string path, Traced x, long groups)
    {
        var (channels, height, width) = (x.Shape[1], x.Shape[2], x.Shape[3]);
        var grouped = Graph.Node("Reshape", path + ".grouped", [x.Name, Graph.Int64s(path + ".grouped_shape", 0, groups, channels / groups, height, width)]);
        var swapped = Graph.Node("Transpose", path + ".swapped", [grouped], Ints("perm", [0, 2, 1, 3, 4]));
        var output = Graph.Node("Reshape", path, [swapped, Graph.Int64s(path + ".shape", 0, channels, height, width)]);
        var batch = x.Shape[0];
        var value = x.Value.view(batch, groups, channels / groups, height, width).transpose(1, 2).contiguous().view(batch, channels, height, width);
        return new(output, value);
    }

    public Traced Transpose(string path, Traced x, params long[] permutation) =>
        new(Graph.Node("Transpose", path, [x.Name], Ints("perm", permutation)), x.Value.permute(permutation));

    /// <summary>Mean over <paramref name="axes"/>, dropping them.</summary>
    public Traced ReduceMean(string path, Traced x, params long[] axes) =>
        new(Graph.Node("ReduceMean", path, [x.Name], Ints("axes", axes), Int("keepdims", 0)), x.Value.mean(axes));

    public Traced Flatten(string path, Traced x, long startDim = 1, long endDim = -1)
    {
        if (startDim != 1 || (endDim != -1 && endDim != x.Shape.Length - 1))
            throw new NotSupportedException($"'{path}' flattens dimensions {startDim}..{endDim}; ONNX export supports flattening from 1 to the end");
        return new(Graph.Node("Flatten", path, [x.Name], Int("axis", 1)), x.Value.flatten(1));
    }

    /// <summary>
    /// Max pooling. The end pads are chosen so that ONNX gives the output size PyTorch gave (which settles ceil mode
    /// exactly, including PyTorch's rule that the last window starts inside the input); ONNX pads max pooling with -inf.
    /// </summary>
    public Traced MaxPool(string path, Traced x, long[] kernel, long[] stride, long[] padding, long[] dilation, bool ceilMode)
    {
        var value = nn.functional.max_pool2d(x.Value, kernel, stride, padding, dilation, ceilMode);
        var end = EndPads(x.Shape, value.shape, kernel, stride, padding, dilation);
        var output = Graph.Node("MaxPool", path, [x.Name],
            Ints("kernel_shape", kernel), Ints("strides", stride), Ints("pads", [.. padding, .. end]), Ints("dilations", dilation));
        return new(output, value);
    }

    /// <summary>Average pooling (PyTorch counts the zero padding by default: count_include_pad).</summary>
    public Traced AvgPool(string path, Traced x, long[] kernel, long[] stride, long[] padding, bool ceilMode, bool countIncludePad)
    {
        if (ceilMode)
            throw new NotSupportedException($"'{path}' pools averages in ceil mode, which the exporter does not support");
        var value = nn.functional.avg_pool2d(x.Value, kernel, stride, padding, ceil_mode: false, count_include_pad: countIncludePad);
        var output = Graph.Node("AveragePool", path, [x.Name],
            Ints("kernel_shape", kernel), Ints("strides", stride), Ints("pads", [.. padding, .. padding]), Int("count_include_pad", countIncludePad ? 1 : 0));
        return new(output, value);
    }

    /// <summary>
    /// Adaptive average pooling to a fixed size: a global pool for 1x1, a plain average pool when the input divides
    /// evenly, otherwise PyTorch's overlapping bins as two averaging matrices (rows, then columns).
    /// </summary>
    public Traced AdaptiveAvgPool(string path, Traced x, long[] outputSize)
    {
        ArgumentNullException.ThrowIfNull(outputSize);
        var (height, width) = (x.Shape[2], x.Shape[3]);
        var (outHeight, outWidth) = (outputSize[0], outputSize.Length > 1 ? outputSize[1] : outputSize[0]);
        var value = nn.functional.adaptive_avg_pool2d(x.Value, [outHeight, outWidth]);
        if (outHeight == 1 && outWidth == 1)
            return new(Graph.Node("GlobalAveragePool", path, [x.Name]), value);
        if (height % outHeight == 0 && width % outWidth == 0)
        {
            long[] kernel = [height / outHeight, width / outWidth];
            return new(Graph.Node("AveragePool", path, [x.Name], Ints("kernel_shape", kernel), Ints("strides", kernel)), value);
        }

        using var rows = BinMatrix(height, outHeight);
        using var columns = BinMatrix(width, outWidth).t();
        var pooledColumns = Graph.Node("MatMul", path + ".columns", [x.Name, Graph.Initializer(path + ".column_bins", columns)]);
        return new(Graph.Node("MatMul", path, [Graph.Initializer(path + ".row_bins", rows), pooledColumns]), value);
    }

    /// <summary>A layer norm over the last <c>normalizedShape.Length</c> dimensions.</summary>
    public Traced LayerNorm(string path, long[] normalizedShape, Tensor? weight, Tensor? bias, double eps, Traced x)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        using var scope = NewDisposeScope();
        var scale = weight?.detach() ?? ones(normalizedShape);
        var shift = bias?.detach() ?? zeros(normalizedShape);
        var output = Graph.Node("LayerNormalization", path,
            [x.Name, Graph.Initializer(path + ".weight", scale), Graph.Initializer(path + ".bias", shift)],
            Int("axis", -normalizedShape.Length), Float("epsilon", (float)eps));
        var value = nn.functional.layer_norm(x.Value, normalizedShape, weight, bias, eps).MoveToOuterDisposeScope();
        return new(output, value);
    }

    // PyTorch's adaptive pooling bins: output i averages inputs floor(i * in / out) .. ceil((i + 1) * in / out) - 1.
    private static Tensor BinMatrix(long input, long output)
    {
        var weights = new float[output * input];
        for (var i = 0L; i < output; i++)
        {
            var start = i * input / output;
            var end = (((i + 1) * input) + output - 1) / output;
            for (var j = start; j < end; j++)
                weights[(i * input) + j] = 1f / (end - start);
        }

        return tensor(weights, [output, input]);
    }

    private static long[] EndPads(long[] inputShape, long[] outputShape, long[] kernel, long[] stride, long[] padding, long[] dilation)
    {
        var end = new long[2];
        for (var d = 0; d < 2; d++)
        {
            var needed = ((outputShape[d + 2] - 1) * stride[d]) + (dilation[d] * (kernel[d] - 1)) + 1;
            end[d] = Math.Max(0, needed - inputShape[d + 2] - padding[d]);
        }

        return end;
    }

    // A batch norm in evaluation mode as y = x * scale + shift per channel.
    private static (Tensor Scale, Tensor Shift) NormAffine(string path, BatchNorm2d norm)
    {
        if (norm.training)
            throw new NotSupportedException($"'{path}' is in training mode; ONNX export needs the network in evaluation mode");
        var mean = norm.running_mean ?? throw new NotSupportedException($"'{path}' keeps no running statistics");
        var variance = norm.running_var ?? throw new NotSupportedException($"'{path}' keeps no running statistics");
        using var eps = norm.eps.ToScalar();
        var scale = variance.add(eps).rsqrt();
        if (norm.weight is not null)
            scale = scale.mul(norm.weight.detach());
        var shift = mean.neg().mul(scale);
        if (norm.bias is not null)
            shift = shift.add(norm.bias.detach(), HeldScalars.One);
        return (scale, shift);
    }

    private static (Tensor Weight, Tensor Bias) Fold(string path, BatchNorm2d norm, Tensor weight, Tensor? bias)
    {
        var (scale, shift) = NormAffine(path, norm);
        var folded = weight.mul(scale.reshape(-1, 1, 1, 1));
        var foldedBias = bias is null ? shift : bias.mul(scale).add(shift, HeldScalars.One);
        return (folded, foldedBias);
    }
}
