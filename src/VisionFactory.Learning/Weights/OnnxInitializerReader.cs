using System.Runtime.InteropServices;
using Onnx;
using VisionFactory.Learning.Native;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Weights;

/// <summary>Reads the initializers (the stored weights) of an ONNX model into TorchSharp tensors.</summary>
/// <remarks>
/// Handles data stored in <c>raw_data</c> (little-endian bytes) and in the typed fields (<c>float_data</c>,
/// <c>double_data</c>, <c>int32_data</c>, <c>int64_data</c>); the CNTK exports in Microsoft.ML's featurizer packages
/// use <c>float_data</c>. Element types: float, double, int32, int64. External data is not supported.
/// </remarks>
public static class OnnxInitializerReader
{
    /// <summary>Parses an ONNX file.</summary>
    public static ModelProto ReadModel(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        return ModelProto.Parser.ParseFrom(stream);
    }

    /// <summary>Every initializer of the file, by name, as CPU tensors. The caller owns (and disposes) the tensors.</summary>
    public static Dictionary<string, Tensor> ReadInitializers(string path) => ReadInitializers(ReadModel(path));

    /// <summary>Every initializer of the model's main graph, by name, as CPU tensors. The caller owns (and disposes) the tensors.</summary>
    public static Dictionary<string, Tensor> ReadInitializers(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var initializer in model.Graph.Initializer)
            {
                if (!result.TryAdd(initializer.Name, ToTensor(initializer)))
                    throw new InvalidDataException($"The ONNX graph has two initializers named '{initializer.Name}'.");
            }

            return result;
        }
        catch
        {
            foreach (var tensor in result.Values)
                tensor.Dispose();
            throw;
        }
    }

    /// <summary>Converts one ONNX tensor to a CPU tensor of the same shape and element type.</summary>
    /// <exception cref="NotSupportedException">An element type other than float, double, int32 or int64, or external data.</exception>
    /// <exception cref="InvalidDataException">The element count does not match the shape.</exception>
    public static Tensor ToTensor(TensorProto proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
            throw new NotSupportedException($"ONNX initializer '{proto.Name}' stores its data in an external file.");

        var shape = proto.Dims.ToArray();
        var raw = proto.RawData.Span;
        return (TensorProto.Types.DataType)proto.DataType switch
        {
            TensorProto.Types.DataType.Float => tensor(Values(proto, raw, proto.FloatData), shape),
            TensorProto.Types.DataType.Double => tensor(Values(proto, raw, proto.DoubleData), shape),
            TensorProto.Types.DataType.Int32 => tensor(Values(proto, raw, proto.Int32Data), shape),
            TensorProto.Types.DataType.Int64 => tensor(Values(proto, raw, proto.Int64Data), shape),
            var other => throw new NotSupportedException($"ONNX initializer '{proto.Name}' has element type {other}, which is not supported."),
        };
    }

    private static T[] Values<T>(TensorProto proto, ReadOnlySpan<byte> raw, IReadOnlyCollection<T> typed)
        where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Reading ONNX raw data needs a little-endian machine.");
        var values = raw.Length > 0 ? MemoryMarshal.Cast<byte, T>(raw).ToArray() : [.. typed];
        var expected = proto.Dims.Aggregate(1L, (product, d) => product * d);
        if (values.Length != expected || (raw.Length > 0 && raw.Length % Marshal.SizeOf<T>() != 0))
            throw new InvalidDataException(
                $"ONNX initializer '{proto.Name}' holds {values.Length} values for shape [{string.Join(", ", proto.Dims)}] ({expected}).");
        return values;
    }
}
