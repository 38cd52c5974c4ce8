using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Export;

/// <summary>
/// Collects the nodes and initializers of one ONNX graph with unique names. Knows nothing of modules: the
/// <see cref="OnnxTrace"/> decides what to emit.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> names = new(StringComparer.Ordinal);

    public GraphProto Graph { get; } = new() { Name = "classifier" };

    /// <summary>A name not used yet, made from <paramref name="hint"/>.</summary>
    public string UniqueName(string hint)
    {
        var baseName = string.IsNullOrEmpty(hint) ? "value" : hint;
        var name = baseName;
        for (var i = 1; !names.Add(name); i++)
            name = $"{baseName}_{i}";
        return name;
    }

    /// <summary>Adds a float or int64 tensor as an initializer (little-endian raw data) and returns its name.</summary>
    public string Initializer(string hint, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        using var scope = NewDisposeScope();
        var cpu = value.detach().cpu().contiguous();
        var proto = new TensorProto { Name = UniqueName(hint) };
        proto.Dims.AddRange(cpu.shape);
        switch (cpu.dtype)
        {
            case ScalarType.Float32:
                proto.DataType = (int)TensorProto.Types.DataType.Float;
                proto.RawData = ByteString.CopyFrom(cpu.bytes);
                break;
            case ScalarType.Int64:
                proto.DataType = (int)TensorProto.Types.DataType.Int64;
                proto.RawData = ByteString.CopyFrom(cpu.bytes);
                break;
            default:
                throw new NotSupportedException($"ONNX export writes float32 and int64 constants, not {cpu.dtype} ('{hint}').");
        }

        Graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>Adds an int64 vector constant (shapes, axes, split sizes).</summary>
    public string Int64s(string hint, params long[] values)
    {
        using var t = tensor(values, ScalarType.Int64);
        return Initializer(hint, t);
    }

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Node(string opType, string hint, IEnumerable<string> inputs, params AttributeProto[] attributes) =>
        NodeWithOutputs(opType, hint, inputs, 1, attributes)[0];

    /// <summary>Adds a node with <paramref name="outputs"/> outputs and returns their names.</summary>
    public string[] NodeWithOutputs(string opType, string hint, IEnumerable<string> inputs, int outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = UniqueName(hint + "/" + opType) };
        node.Input.AddRange(inputs);
        var outputNames = new string[outputs];
        for (var i = 0; i < outputs; i++)
        {
            outputNames[i] = UniqueName(outputs == 1 ? hint : $"{hint}_{i}");
            node.Output.Add(outputNames[i]);
        }

        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return outputNames;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A float tensor type with the given dimensions: a number is fixed, a string is symbolic.</summary>
    public static ValueInfoProto FloatValue(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                _ => throw new ArgumentException($"dimension {dim} is neither a number nor a name", nameof(dims)),
            });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
