using Google.Protobuf;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Export;
using VisionFactory.Learning.Inference;
using VisionFactory.Learning.Native;
using VisionFactory.Testing;
using Xunit.Abstractions;

namespace VisionFactory.Learning.Tests.Export;

/// <summary>
/// <see cref="OnnxQuantizer"/> on the pretrained ResNet-18 with real photographs: the INT8 graph keeps the exported
/// contract, computes its convolutions in 8 bits (QDQ around every one, ReLUs folded), and answers as the float graph
/// does on images it was not calibrated on.
/// </summary>
public sealed class OnnxQuantizerTests(ITestOutputHelper output) : IDisposable
{
    private const int Size = 112;
    private static readonly string[] MaskClasses = ["with_mask", "without_mask"];
    private readonly string folder = Directory.CreateTempSubdirectory("vf-quantizer-").FullName;

    [Fact]
    public void TheInt8ResNetAnswersAsTheFloatOneOnImagesItWasNotCalibratedOn()
    {
        TorchNativeLibrary.EnsureLoaded();
        var (calibration, held) = Photographs(calibrate: 24, test: 48);
        Onnx.ModelProto fp32;
        using (var network = ArchitectureCatalog.Default.Get("resnet18-imagenet").Build(4, Size, loadPretrained: true))
        {
            // A head that spreads the backbone's features over four classes, so the answers are not all alike.
            using (TorchSharp.torch.no_grad())
            using (var generator = new TorchSharp.torch.Generator(7))
            {
                var head = network.Module.named_parameters().Where(p => p.name.StartsWith(network.HeadPath, StringComparison.Ordinal)).ToList();
                foreach (var (_, parameter) in head)
                    parameter.copy_(TorchSharp.torch.randn(parameter.shape, generator: generator).mul_(0.2f));
            }

            fp32 = OnnxExporter.Export(network, new OnnxExportInfo(["a", "b", "c", "d"], "m-quantizer"));
        }

        var (int8, summary) = OnnxQuantizer.Quantize(fp32, calibration, Size);

        // Every convolution and the fully connected layer compute in 8 bits; every ReLU (each follows a convolution or
        // a residual addition) is folded into the quantisation of what it clamps.
        var convolutions = fp32.Graph.Node.Count(n => n.OpType is "Conv" or "Gemm");
        output.WriteLine($"{convolutions} convolutions and fully connected layers, {fp32.Graph.Node.Count(n => n.OpType == "Relu")} ReLUs, {summary}");
        Assert.Equal(convolutions, summary.QuantizedNodes);
        Assert.Equal(0, summary.FloatNodes);
        Assert.Equal(fp32.Graph.Node.Count(n => n.OpType == "Relu"), summary.RemovedRelus);
        Assert.Equal(24, summary.CalibrationImages);
        Assert.DoesNotContain(int8.Graph.Node, n => n.OpType == "Relu");
        var int8Weights = int8.Graph.Initializer.Where(i => i.DataType == (int)Onnx.TensorProto.Types.DataType.Int8 && i.Dims.Count >= 2).Select(i => i.Name).ToHashSet();
        Assert.Equal(convolutions, int8.Graph.Node.Count(n => n.OpType == "DequantizeLinear" && int8Weights.Contains(n.Input[0])));
        Assert.Equal(fp32.MetadataProps.Select(p => (p.Key, p.Value)), int8.MetadataProps.Select(p => (p.Key, p.Value)));
        Assert.True(int8.CalculateSize() < fp32.CalculateSize() / 3, $"INT8 graph {int8.CalculateSize()} bytes against {fp32.CalculateSize()}");

        using var floats = Open(fp32, "fp32.onnx");
        using var integers = Open(int8, "int8.onnx");
        var expected = floats.Probabilities(held, 8, CancellationToken.None);
        var actual = integers.Probabilities(held, 8, CancellationToken.None);
        var agree = expected.Zip(actual).Count(p => ArgMax(p.First) == ArgMax(p.Second));
        var differences = expected.Zip(actual).SelectMany(p => p.First.Zip(p.Second).Select(q => Math.Abs(q.First - q.Second))).ToList();
        output.WriteLine($"top-1 agreement {agree} of {held.Count}, |p_int8 - p_fp32| mean {differences.Average():0.0000}, worst {differences.Max():0.000}");
        Assert.True(agree >= held.Count * 0.9, $"INT8 agrees with FP32 on {agree} of {held.Count} images");
        Assert.True(differences.Average() < 0.03, $"probabilities moved by {differences.Average():0.0000} on average");
        Assert.True(expected.Select(ArgMax).Distinct().Count() >= 2, "the float graph gives every image the same class; the test could not tell graphs apart");
    }

    [Fact]
    public void ActivationRangesIncludeZeroAndMapItExactly()
    {
        var (scale, zero) = OnnxQuantizer.ActivationParameters(-1f, 3f);
        Assert.Equal(4f / 255f, scale, 6);
        Assert.Equal(64, zero);
        Assert.Equal((6f / 255f, (byte)0), OnnxQuantizer.ActivationParameters(2f, 6f));
        Assert.Equal((1f, (byte)0), OnnxQuantizer.ActivationParameters(0f, 0f));
        var (negative, top) = OnnxQuantizer.ActivationParameters(-5f, -1f);
        Assert.Equal(5f / 255f, negative, 6);
        Assert.Equal(255, top);
    }

    [Fact]
    public void CalibrationNeedsImages()
    {
        var model = new Onnx.ModelProto { Graph = new Onnx.GraphProto() };
        Assert.Throws<ArgumentException>(() => OnnxQuantizer.Quantize(model, [], Size));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private OnnxClassifierEngine Open(Onnx.ModelProto model, string name)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, model.ToByteArray());
        return OnnxClassifierEngine.Open(path, threads: 2);
    }

    private static (List<byte[]> Calibration, List<byte[]> Test) Photographs(int calibrate, int test)
    {
        var files = MaskClasses
            .SelectMany(c => Directory.EnumerateFiles(Path.Combine(SharedFiles.Masks, c)).Order(StringComparer.Ordinal).Take((calibrate + test) / 2))
            .Order(StringComparer.Ordinal)
            .Select(f => ImageDecoder.DecodeSquare(File.ReadAllBytes(f), Size, ImageLimits.Default, SquareFit.CenterCrop).Rgb)
            .ToList();
        return ([.. files.Where((_, i) => i % 3 == 0).Take(calibrate)], [.. files.Where((_, i) => i % 3 != 0).Take(test)]);
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());
}
