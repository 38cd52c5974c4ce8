using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Inference;
using DataType = Onnx.TensorProto.Types.DataType;

namespace VisionFactory.Learning.Export;

/// <summary>What quantisation did to a graph.</summary>
/// <param name="QuantizedNodes">Convolutions and fully connected layers that now compute in 8 bits.</param>
/// <param name="FloatNodes">Convolutions and fully connected layers left in float (weights not constant or shared).</param>
/// <param name="QuantizedTensors">Activations quantised (each a QuantizeLinear / DequantizeLinear pair).</param>
/// <param name="RemovedRelus">ReLUs folded into the quantisation of the tensor they clamp.</param>
/// <param name="CalibrationImages">The images the activation ranges were measured on.</param>
public sealed record QuantizationSummary(int QuantizedNodes, int FloatNodes, int QuantizedTensors, int RemovedRelus, int CalibrationImages);

/// <summary>
/// Static INT8 quantisation of a graph written by <see cref="OnnxExporter"/>, in the QDQ form ONNX Runtime turns into
/// integer kernels (QLinearConv, QGemm, QLinearAdd): every convolution's and fully connected layer's weights become
/// int8, symmetric, one scale per output channel; their biases int32 at the input scale times the weight scale; the
/// activations they read and the convolutions' and additions' results become uint8 with a scale and zero point from
/// the range measured on calibration images (min / max over the images, widened to include 0). A ReLU that alone
/// reads a convolution's or an addition's result is folded into that result's quantisation (a range starting at 0
/// clamps as the ReLU did), and max pooling, flattening and reshaping keep their input's quantisation, so they run on
/// 8-bit values. Everything else (softmax, sigmoid gates, averages) stays in float between a dequantisation and the
/// next quantisation. The input contract, outputs and metadata are unchanged.
/// </summary>
public static class OnnxQuantizer
{
    private const string QuantizableConv = "Conv";
    private const string QuantizableGemm = "Gemm";
    private static readonly HashSet<string> SharedRange = new(StringComparer.Ordinal) { "MaxPool", "Flatten", "Reshape" };

    /// <summary>
    /// Quantises <paramref name="model"/> with activation ranges measured on <paramref name="calibration"/> (RGB
    /// pixels, <paramref name="imageSize"/> square, as <see cref="OnnxClassifierEngine"/> takes them).
    /// </summary>
    /// <exception cref="ArgumentException">No calibration images.</exception>
    public static (ModelProto Model, QuantizationSummary Summary) Quantize(ModelProto model, IReadOnlyList<byte[]> calibration, int imageSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(calibration);
        if (calibration.Count == 0)
            throw new ArgumentException("calibration needs at least one image", nameof(calibration));

        var result = model.Clone();
        var graph = result.Graph;
        var initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

        // Which nodes compute in 8 bits: weights constant and read by this node only. (Nodes are compared by reference:
        // a protobuf message's hash follows its contents, which the folding below changes.)
        var readers = Readers(graph);
        var quantized = graph.Node.Where(n => (n.OpType is QuantizableConv or QuantizableGemm)
            && n.Input.Count >= 2 && initializers.ContainsKey(n.Input[1]) && readers[n.Input[1]].Count == 1
            && (n.Input.Count < 3 || (initializers.ContainsKey(n.Input[2]) && readers[n.Input[2]].Count == 1))
            && (n.OpType != QuantizableGemm || (Attribute(n, "transA") == 0 && Attribute(n, "alpha", 1f) == 1f && Attribute(n, "beta", 1f) == 1f)))
            .ToHashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var floatNodes = graph.Node.Count(n => n.OpType is QuantizableConv or QuantizableGemm) - quantized.Count;

        // Additions of two activations (residual connections) compute on 8-bit values too.
        var additions = graph.Node.Where(n => n.OpType == "Add" && n.Input.Count == 2 && n.Input.All(i => !initializers.ContainsKey(i))
            && n.Input.All(i => !graph.Input.Any(g => g.Name == i))).ToHashSet<NodeProto>(ReferenceEqualityComparer.Instance);

        // Fold a ReLU into the result it alone reads: the result takes the ReLU's name, its range starts at 0.
        var removedRelus = 0;
        var nonNegative = new HashSet<string>(StringComparer.Ordinal);
        foreach (var relu in graph.Node.Where(n => n.OpType == "Relu").ToList())
        {
            var producer = graph.Node.FirstOrDefault(n => n.Output.Contains(relu.Input[0]));
            if (producer is null || !((quantized.Contains(producer) && producer.OpType == QuantizableConv) || additions.Contains(producer))
                || readers[relu.Input[0]].Count != 1 || outputs.Contains(relu.Input[0]) || outputs.Contains(relu.Output[0]))
                continue;
            producer.Output[producer.Output.IndexOf(relu.Input[0])] = relu.Output[0];
            graph.Node.Remove(relu);
            nonNegative.Add(relu.Output[0]);
            removedRelus++;
        }

        // The activations to quantise: what 8-bit nodes read, and what 8-bit convolutions and additions make.
        var activations = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in quantized)
        {
            activations.Add(node.Input[0]);
            if (node.OpType == QuantizableConv)
                activations.Add(node.Output[0]);
        }

        foreach (var add in additions)
        {
            activations.UnionWith(add.Input);
            activations.Add(add.Output[0]);
        }

        activations.RemoveWhere(outputs.Contains);
        // Max pooling, flattening and reshaping of a quantised value keep its scale, so no float round trip is needed.
        var sharing = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in graph.Node.Where(n => SharedRange.Contains(n.OpType) && activations.Contains(n.Output[0]) && activations.Contains(n.Input[0])))
            sharing[node.Output[0]] = node.Input[0];

        var ranges = Calibrate(model, activations.Except(nonNegative).Concat(nonNegative).ToList(), calibration, imageSize, cancellationToken);
        string Root(string name) => sharing.TryGetValue(name, out var source) ? Root(source) : name;
        var parameters = new Dictionary<string, (float Scale, byte ZeroPoint)>(StringComparer.Ordinal);
        foreach (var name in activations)
        {
            var root = Root(name);
            var (min, max) = ranges[root];
            if (nonNegative.Contains(root))
                min = 0;
            parameters[name] = ActivationParameters(min, max);
        }

        Rewrite(graph, quantized, activations, parameters, initializers);
        return (result, new QuantizationSummary(quantized.Count, floatNodes, activations.Count, removedRelus, calibration.Count));
    }

    /// <summary>Uint8 scale and zero point for values in [min, max], the range widened to include 0.</summary>
    public static (float Scale, byte ZeroPoint) ActivationParameters(float min, float max)
    {
        var low = Math.Min(min, 0f);
        var high = Math.Max(max, 0f);
        var scale = (high - low) / 255f;
        if (!(scale > 0) || !float.IsFinite(scale))
            return (1f, 0);
        return (scale, (byte)Math.Clamp(Math.Round(-low / scale), 0, 255));
    }

    private static Dictionary<string, List<NodeProto>> Readers(GraphProto graph)
    {
        var readers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input.Where(i => i.Length > 0))
            {
                if (!readers.TryGetValue(input, out var list))
                    readers[input] = list = [];
                list.Add(node);
            }
        }

        foreach (var name in graph.Initializer.Select(i => i.Name).Concat(graph.Input.Select(i => i.Name)).Concat(graph.Node.SelectMany(n => n.Output)))
            readers.TryAdd(name, []);
        return readers;
    }

    // The min and max of each named tensor over the calibration images, measured by running the float graph with the
    // tensors as extra outputs.
    private static Dictionary<string, (float Min, float Max)> Calibrate(
        ModelProto model, IReadOnlyList<string> tensors, IReadOnlyList<byte[]> images, int imageSize, CancellationToken cancellationToken)
    {
        var probe = model.Clone();
        var existing = probe.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in tensors.Where(t => !existing.Contains(t)))
        {
            probe.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float } },
            });
        }

        OnnxRuntimeEnvironment.Prepare();
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = Environment.ProcessorCount };
        using var session = new InferenceSession(probe.ToByteArray(), options);
        using var runOptions = new RunOptions();
        var ranges = tensors.Distinct(StringComparer.Ordinal).ToDictionary(t => t, _ => (Min: float.PositiveInfinity, Max: float.NegativeInfinity), StringComparer.Ordinal);
        var names = ranges.Keys.ToArray();
        const int BatchSize = 8;
        for (var start = 0; start < images.Count; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = images.Skip(start).Take(BatchSize).ToList();
            var pixels = BatchAssembler.Planar(batch, imageSize, bgr: false);
            using var input = OrtValue.CreateTensorValueFromMemory(pixels, [batch.Count, 3, imageSize, imageSize]);
            using var values = session.Run(runOptions, [OnnxExporter.InputName], [input], names);
            for (var i = 0; i < names.Length; i++)
            {
                var (min, max) = ranges[names[i]];
                foreach (var v in values[i].GetTensorDataAsSpan<float>())
                {
                    if (v < min)
                        min = v;
                    if (v > max)
                        max = v;
                }

                ranges[names[i]] = (min, max);
            }
        }

        return ranges;
    }

    private static void Rewrite(
        GraphProto graph, HashSet<NodeProto> quantized, HashSet<string> activations, Dictionary<string, (float Scale, byte ZeroPoint)> parameters,
        Dictionary<string, TensorProto> initializers)
    {
        var names = new UniqueNames(graph);
        var dequantized = new Dictionary<string, string>(StringComparer.Ordinal);
        var nodes = new List<NodeProto>();

        // Graph inputs that are quantised come first.
        foreach (var input in graph.Input.Where(i => activations.Contains(i.Name)))
            nodes.AddRange(QuantizePair(graph, names, input.Name, parameters[input.Name], dequantized));

        foreach (var node in graph.Node)
        {
            var activation = node.Input.Count > 0 ? node.Input[0] : "";
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (dequantized.TryGetValue(node.Input[i], out var replacement))
                    node.Input[i] = replacement;
            }

            if (quantized.Contains(node))
                nodes.AddRange(QuantizeWeights(graph, names, node, parameters[activation].Scale, initializers));
            nodes.Add(node);
            foreach (var output in node.Output.Where(activations.Contains))
                nodes.AddRange(QuantizePair(graph, names, output, parameters[output], dequantized));
        }

        graph.Node.Clear();
        graph.Node.AddRange(nodes);
    }

    private static IEnumerable<NodeProto> QuantizePair(
        GraphProto graph, UniqueNames names, string name, (float Scale, byte ZeroPoint) q, Dictionary<string, string> dequantized)
    {
        var scale = AddInitializer(graph, names.Make(name + "_scale"), DataType.Float, [], BitConverter.GetBytes(q.Scale));
        var zeroPoint = AddInitializer(graph, names.Make(name + "_zero_point"), DataType.Uint8, [], [q.ZeroPoint]);
        var quantizedName = names.Make(name + "_quantized");
        var dequantizedName = names.Make(name + "_dequantized");
        dequantized[name] = dequantizedName;
        yield return NodeOf("QuantizeLinear", name + "/QuantizeLinear", [name, scale, zeroPoint], quantizedName);
        yield return NodeOf("DequantizeLinear", name + "/DequantizeLinear", [quantizedName, scale, zeroPoint], dequantizedName);
    }

    // Int8 weights with one scale per output channel, int32 bias at input scale x weight scale, each behind a DequantizeLinear.
    private static IEnumerable<NodeProto> QuantizeWeights(
        GraphProto graph, UniqueNames names, NodeProto node, float inputScale, Dictionary<string, TensorProto> initializers)
    {
        var weight = initializers[node.Input[1]];
        var values = Floats(weight);
        // Conv weights are [out, in/groups, kh, kw]; Gemm with transB = 1 reads [out, in], with transB = 0 [in, out].
        var transposed = node.OpType == QuantizableGemm && Attribute(node, "transB") == 0;
        var channels = (int)(transposed ? weight.Dims[1] : weight.Dims[0]);
        var axis = transposed ? 1 : 0;
        var perChannel = values.Length / channels;
        var scales = new float[channels];
        var q = new sbyte[values.Length];
        for (var c = 0; c < channels; c++)
        {
            var absMax = 0f;
            for (var k = 0; k < perChannel; k++)
                absMax = Math.Max(absMax, Math.Abs(values[Index(c, k)]));
            scales[c] = absMax > 0 ? absMax / 127f : 1f;
            for (var k = 0; k < perChannel; k++)
                q[Index(c, k)] = (sbyte)Math.Clamp(Math.Round(values[Index(c, k)] / scales[c]), -127, 127);
        }

        graph.Initializer.Remove(weight);
        var weightName = weight.Name;
        var quantizedWeight = AddInitializer(graph, names.Make(weightName + "_quantized"), DataType.Int8, weight.Dims, MemoryMarshalBytes(q));
        var weightScale = AddInitializer(graph, names.Make(weightName + "_scale"), DataType.Float, [channels], FloatBytes(scales));
        var weightZero = AddInitializer(graph, names.Make(weightName + "_zero_point"), DataType.Int8, [channels], new byte[channels]);
        yield return NodeOf("DequantizeLinear", weightName + "/DequantizeLinear", [quantizedWeight, weightScale, weightZero], weightName, OnnxGraphBuilder.Int("axis", axis));

        if (node.Input.Count >= 3 && node.Input[2].Length > 0)
        {
            var bias = initializers[node.Input[2]];
            var biasValues = Floats(bias);
            var biasScales = scales.Select(s => s * inputScale).ToArray();
            var biasQuantized = biasValues.Select((b, c) => (int)Math.Clamp(Math.Round(b / biasScales[c]), int.MinValue + 1, int.MaxValue)).ToArray();
            graph.Initializer.Remove(bias);
            var biasName = bias.Name;
            var quantizedBias = AddInitializer(graph, names.Make(biasName + "_quantized"), DataType.Int32, bias.Dims, IntBytes(biasQuantized));
            var biasScale = AddInitializer(graph, names.Make(biasName + "_scale"), DataType.Float, [channels], FloatBytes(biasScales));
            var biasZero = AddInitializer(graph, names.Make(biasName + "_zero_point"), DataType.Int32, [channels], new byte[channels * 4]);
            yield return NodeOf("DequantizeLinear", biasName + "/DequantizeLinear", [quantizedBias, biasScale, biasZero], biasName, OnnxGraphBuilder.Int("axis", 0));
        }

        int Index(int channel, int k) => transposed ? (k * channels) + channel : (channel * perChannel) + k;
    }

    // Names not yet used in the graph (values, initializers, nodes' outputs).
    private sealed class UniqueNames
    {
        private readonly HashSet<string> used;

        public UniqueNames(GraphProto graph) => used = graph.Initializer.Select(i => i.Name).Concat(graph.Input.Select(i => i.Name))
            .Concat(graph.Output.Select(o => o.Name)).Concat(graph.Node.SelectMany(n => n.Output)).ToHashSet(StringComparer.Ordinal);

        public string Make(string hint)
        {
            var name = hint;
            for (var i = 1; !used.Add(name); i++)
                name = $"{hint}_{i}";
            return name;
        }
    }

    private static string AddInitializer(GraphProto graph, string name, DataType type, IEnumerable<long> dims, byte[] raw)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.AddRange(dims);
        graph.Initializer.Add(tensor);
        return name;
    }

    private static NodeProto NodeOf(string opType, string name, IEnumerable<string> inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static float[] Floats(TensorProto tensor)
    {
        if (tensor.DataType != (int)DataType.Float)
            throw new NotSupportedException($"'{tensor.Name}' is not a float tensor");
        if (!tensor.RawData.IsEmpty)
            return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        return [.. tensor.FloatData];
    }

    private static byte[] FloatBytes(float[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static byte[] IntBytes(int[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static byte[] MemoryMarshalBytes(sbyte[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static long Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? 0;

    private static float Attribute(NodeProto node, string name, float fallback) => node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : fallback;
}
