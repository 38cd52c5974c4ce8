using Google.Protobuf;
using Onnx;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Testing;

/// <summary>
/// A small ONNX image classifier as another tool would write it (not a VisionFactory export): input <c>pixels</c>
/// float32 [batch, 3, S, S] already normalised, global average pool, a linear layer, output <c>scores</c> (logits), no
/// metadata. Its answer for a picture is computed independently here (<see cref="Probabilities"/>), so an import of it
/// can be checked number by number.
/// </summary>
public sealed class ColourMeanClassifier
{
    /// <summary>Weights [3 channels, classes].</summary>
    public required float[,] Weights { get; init; }

    /// <summary>Bias per class.</summary>
    public required float[] Bias { get; init; }

    /// <summary>The side of the input; null writes a dynamic height and width.</summary>
    public int? Size { get; init; } = 16;

    /// <summary>Writes a second image input as well (a graph this platform must refuse).</summary>
    public bool SecondInput { get; init; }

    public int Classes => Bias.Length;

    /// <summary>Red-ness against green-ness: class 0 for reddish pictures, class 1 for greenish ones.</summary>
    public static ColourMeanClassifier RedOrGreen(int? size = 16) => new()
    {
        Weights = new float[,] { { 4f, -4f }, { -4f, 4f }, { 0.5f, 0.25f } },
        Bias = [0.1f, -0.1f],
        Size = size,
    };

    /// <summary>The ONNX file (opset 13).</summary>
    public byte[] Write()
    {
        var graph = new GraphProto { Name = "colour-mean" };
        object side = Size is { } s ? s : "side";
        graph.Input.Add(Value("pixels", "batch", 3, side, side));
        if (SecondInput)
            graph.Input.Add(Value("mask", "batch", 1, side, side));
        graph.Node.Add(Node("GlobalAveragePool", "pooled", ["pixels"]));
        graph.Node.Add(Node("Flatten", "flat", ["pooled"], new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 }));
        var w = new TensorProto { Name = "fc.weight", DataType = (int)TensorProto.Types.DataType.Float };
        w.Dims.AddRange([3L, Classes]);
        for (var c = 0; c < 3; c++)
        {
            for (var k = 0; k < Classes; k++)
                w.FloatData.Add(Weights[c, k]);
        }

        var b = new TensorProto { Name = "fc.bias", DataType = (int)TensorProto.Types.DataType.Float };
        b.Dims.Add(Classes);
        b.FloatData.AddRange(Bias);
        graph.Initializer.Add(w);
        graph.Initializer.Add(b);
        graph.Node.Add(Node("Gemm", "scores", ["flat", "fc.weight", "fc.bias"]));
        graph.Output.Add(Value("scores", "batch", Classes));
        var model = new ModelProto { IrVersion = 7, ProducerName = "hand-written test graph", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
    }

    /// <summary>
    /// What the graph answers for <paramref name="picture"/> prepared as the import was told: made square, scaled to 0..1,
    /// minus <paramref name="mean"/>, divided by <paramref name="std"/>; then softmax, which the import adds to logits.
    /// </summary>
    public double[] Probabilities(byte[] picture, int size, double[] mean, double[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        var rgb = ImageDecoder.DecodeSquare(picture, size, ImageLimits.Default, SquareFit.CenterCrop).Rgb;
        var channel = new double[3];
        for (var p = 0; p < rgb.Length; p++)
            channel[p % 3] += rgb[p] / 255.0;
        for (var c = 0; c < 3; c++)
            channel[c] = ((channel[c] / (size * size)) - mean[c]) / std[c];
        var logits = new double[Classes];
        for (var k = 0; k < Classes; k++)
        {
            logits[k] = Bias[k];
            for (var c = 0; c < 3; c++)
                logits[k] += channel[c] * Weights[c, k];
        }

        var max = logits.Max();
        var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
        var sum = exp.Sum();
        return [.. exp.Select(e => e / sum)];
    }

    private static NodeProto Node(string opType, string output, string[] inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static ValueInfoProto Value(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim is string symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture) });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
