using Google.Protobuf;
using Onnx;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Inference;

namespace VisionFactory.Learning.Tests.Inference;

/// <summary>
/// <see cref="OnnxClassifierEngine"/> on a small hand-written graph whose answer is known: the softmax of each
/// channel's mean raw value, so the engine's pixel layout, batching and reading of the metadata are checked without
/// the exporter.
/// </summary>
public sealed class OnnxClassifierEngineTests : IDisposable
{
    private const int Size = 4;
    private readonly string folder = Directory.CreateTempSubdirectory("vf-onnx-engine-").FullName;

    [Fact]
    public void ProbabilitiesFollowThePixelsInRgbOrderWhateverTheBatchSize()
    {
        var path = Write(ChannelMeanGraph(), "stretch");
        using var engine = OnnxClassifierEngine.Open(path, threads: 1);
        Assert.Equal(ClassifierEngineKind.Onnx, engine.Kind);
        Assert.Equal(Size, engine.ImageSize);
        Assert.Equal(SquareFit.Stretch, engine.Fit);
        Assert.Equal(3, engine.ClassCount);

        // Red-ish, green-ish, blue-ish and grey images: channel means r, g, b; the graph's answer is softmax of them / 64.
        byte[][] images = [Solid(200, 10, 10), Solid(10, 200, 10), Solid(10, 10, 200), Solid(90, 90, 90), Gradient()];
        foreach (var batchSize in new[] { 1, 2, 5, 8 })
        {
            var probabilities = engine.Probabilities(images, batchSize, CancellationToken.None);
            Assert.Equal(images.Length, probabilities.Length);
            for (var i = 0; i < images.Length; i++)
            {
                var expected = Softmax(ChannelMeans(images[i]).Select(m => m / 64.0).ToArray());
                Assert.Equal(3, probabilities[i].Length);
                for (var c = 0; c < 3; c++)
                    Assert.True(Math.Abs(expected[c] - probabilities[i][c]) < 1e-5, $"image {i} class {c}, batch {batchSize}: {probabilities[i][c]} against {expected[c]}");
            }
        }

        Assert.Equal(0, Array.IndexOf(engine.Probabilities([images[0]], 1, CancellationToken.None)[0], engine.Probabilities([images[0]], 1, CancellationToken.None)[0].Max()));
    }

    [Fact]
    public void AGraphWithoutThePlatformsContractIsRefusedWithWhatIsMissing()
    {
        var graph = ChannelMeanGraph();
        graph.Graph.Output[0].Name = "scores";
        graph.Graph.Node[^1].Output[0] = "scores";
        var path = Write(graph, "center-crop");
        var refused = Assert.Throws<InvalidDataException>(() => OnnxClassifierEngine.Open(path));
        Assert.Contains("no output 'probabilities'", refused.Message, StringComparison.Ordinal);

        var garbage = Path.Combine(folder, "garbage.onnx");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5]);
        var unreadable = Assert.Throws<InvalidDataException>(() => OnnxClassifierEngine.Open(garbage));
        Assert.Contains("not a model ONNX Runtime can run", unreadable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheFitDefaultsToCentreCrop()
    {
        using var engine = OnnxClassifierEngine.Open(Write(ChannelMeanGraph(), "center-crop"));
        Assert.Equal(SquareFit.CenterCrop, engine.Fit);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Write(ModelProto model, string fit)
    {
        model.MetadataProps.Add(new StringStringEntryProto { Key = "image_size", Value = Size.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "fit", Value = fit });
        var path = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".onnx");
        using var file = File.Create(path);
        model.WriteTo(file);
        return path;
    }

    // image [N, 3, S, S] -> mean over the pixels -> / 64 -> softmax -> probabilities [N, 3].
    private static ModelProto ChannelMeanGraph()
    {
        var graph = new GraphProto { Name = "channel_means" };
        var mean = new NodeProto { OpType = "ReduceMean", Name = "mean" };
        mean.Input.Add("image");
        mean.Output.Add("means");
        var axes = new AttributeProto { Name = "axes", Type = AttributeProto.Types.AttributeType.Ints };
        axes.Ints.Add([2, 3]);
        mean.Attribute.Add(axes);
        mean.Attribute.Add(new AttributeProto { Name = "keepdims", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        graph.Node.Add(mean);

        var divisor = new TensorProto { Name = "divisor", DataType = (int)TensorProto.Types.DataType.Float };
        divisor.FloatData.Add(64f);
        graph.Initializer.Add(divisor);
        var scaled = new NodeProto { OpType = "Div", Name = "scale" };
        scaled.Input.Add(["means", "divisor"]);
        scaled.Output.Add("scaled");
        graph.Node.Add(scaled);

        var softmax = new NodeProto { OpType = "Softmax", Name = "softmax" };
        softmax.Input.Add("scaled");
        softmax.Output.Add("probabilities");
        softmax.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(softmax);

        graph.Input.Add(Value("image", "N", 3, Size, Size));
        graph.Output.Add(Value("probabilities", "N", 3));
        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "VisionFactory tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model;
    }

    private static ValueInfoProto Value(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
            shape.Dim.Add(dim is string symbol ? new TensorShapeProto.Types.Dimension { DimParam = symbol } : new TensorShapeProto.Types.Dimension { DimValue = (int)dim });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static byte[] Solid(byte r, byte g, byte b) => [.. Enumerable.Range(0, Size * Size).SelectMany(_ => new[] { r, g, b })];

    private static byte[] Gradient() => [.. Enumerable.Range(0, Size * Size * 3).Select(i => (byte)(i * 5))];

    private static double[] ChannelMeans(byte[] rgb) =>
        [.. Enumerable.Range(0, 3).Select(c => Enumerable.Range(0, Size * Size).Average(p => (double)rgb[(p * 3) + c]))];

    private static double[] Softmax(double[] values)
    {
        var exp = values.Select(v => Math.Exp(v - values.Max())).ToArray();
        return [.. exp.Select(e => e / exp.Sum())];
    }
}
