using System.Diagnostics;
using System.Globalization;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Export;
using VisionFactory.Learning.Inference;
using VisionFactory.Testing;

namespace VisionFactory.Bench;

/// <summary>
/// engines [ARCH ...]: one table from one run, per network at 224 px on every core: single-image latency (p50, p95)
/// and batch-16 throughput through TorchSharp and through ONNX Runtime on the graph the product exports
/// (<see cref="OnnxExporter"/>), both through the product's engines (<see cref="IClassifierEngine"/>: pixels in,
/// probabilities out), and through ONNX Runtime on that graph quantised to INT8 (<see cref="OnnxQuantizer"/>, calibrated
/// on 16 photographs of the masks corpus), beside Debian's PyTorch eager on the same network (its throughput script,
/// random weights).
/// </summary>
internal static class EngineBench
{
    private const int Size = 224;
    private const int Passes = 40;
    private static readonly string[] Default = ["resnet18", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0"];

    public static void Run(IReadOnlyList<string> names)
    {
        var architectures = names.Count > 0 ? names : Default;
        var threads = Environment.ProcessorCount;
        var pytorch = PyTorchReference.Find();
        using var temp = new TempDirectory("vf-bench-engines");
        Console.WriteLine($"engines at {Size} px on {threads} threads; single image: p50 / p95 of {Passes} passes after warm-up; batch 16: images/s");
        var calibration = Directory.EnumerateFiles(Path.Combine(SharedFiles.Masks, "with_mask")).Order(StringComparer.Ordinal).Take(8)
            .Concat(Directory.EnumerateFiles(Path.Combine(SharedFiles.Masks, "without_mask")).Order(StringComparer.Ordinal).Take(8))
            .Select(f => Imaging.Decoding.ImageDecoder.DecodeSquare(File.ReadAllBytes(f), Size, Imaging.Decoding.ImageLimits.Default, Imaging.Decoding.SquareFit.CenterCrop).Rgb)
            .ToList();
        Console.WriteLine($"  {"network",-20} {"TorchSharp 1 img",18} {"ONNX Runtime 1 img",20} {"ORT INT8 1 img",16} {"TorchSharp b16",15} {"ONNX RT b16",12} {"ORT INT8 b16",13} {"PyTorch 1 img",14} {"PyTorch b16",12}");
        foreach (var name in architectures)
        {
            using var network = ArchitectureCatalog.Default.Get(name).Build(2, Size, loadPretrained: false);
            network.Module.eval();
            var graph = temp.Combine(name + ".onnx");
            OnnxExporter.ExportTo(network, new OnnxExportInfo(["a", "b"]), graph);
            using var onnx = OnnxClassifierEngine.Open(graph, threads);
            var torch = new TorchClassifierEngine(network);
            var quantizedGraph = temp.Combine(name + ".int8.onnx");
            var (quantized, _) = OnnxQuantizer.Quantize(Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(graph)), calibration, Size);
            File.WriteAllBytes(quantizedGraph, Google.Protobuf.MessageExtensions.ToByteArray(quantized));
            using var int8 = OnnxClassifierEngine.Open(quantizedGraph, threads);

            var one = new List<byte[]> { Picture(0) };
            var sixteen = Enumerable.Range(0, 16).Select(Picture).ToList();
            var (torchP50, torchP95) = Latency(torch, one);
            var (onnxP50, onnxP95) = Latency(onnx, one);
            var (int8P50, int8P95) = Latency(int8, one);
            var torchB16 = Throughput(torch, sixteen);
            var onnxB16 = Throughput(onnx, sixteen);
            var int8B16 = Throughput(int8, sixteen);
            var reference1 = pytorch?.Run("throughput", "--arch", name, "--size", $"{Size}", "--batch", "1", "--steps", "20", "--threads", $"{threads}");
            var reference16 = pytorch?.Run("throughput", "--arch", name, "--size", $"{Size}", "--batch", "16", "--steps", "4", "--threads", $"{threads}");
            var eager1 = reference1?.GetProperty("infer_img_s").GetDouble() is { } r1 ? $"{1000 / r1:0.0} ms" : "-";
            var eager16 = reference16?.GetProperty("infer_img_s").GetDouble() is { } r16 ? $"{r16:0.0}/s" : "-";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-20} {torchP50,7:0.0} / {torchP95,5:0.0} ms {onnxP50,9:0.0} / {onnxP95,5:0.0} ms {int8P50,6:0.0} / {int8P95,5:0.0} ms {torchB16,13:0.0}/s {onnxB16,10:0.0}/s {int8B16,11:0.0}/s {eager1,14} {eager16,12}"));
        }

        Console.WriteLine("  (PyTorch 1 img: the mean of its 20 batch-1 inference passes; the product's figures include packing the pixels)");
    }

    private static (double P50, double P95) Latency(IClassifierEngine engine, List<byte[]> one)
    {
        SteadyState.WarmUp(() => engine.Probabilities(one, 1, CancellationToken.None), TimeSpan.FromSeconds(10));
        var times = Enumerable.Range(0, Passes).Select(_ =>
        {
            var start = Stopwatch.GetTimestamp();
            engine.Probabilities(one, 1, CancellationToken.None);
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }).Order().ToArray();
        return (times[Passes / 2], times[(int)(Passes * 0.95)]);
    }

    private static double Throughput(IClassifierEngine engine, List<byte[]> batch)
    {
        engine.Probabilities(batch, batch.Count, CancellationToken.None);
        var start = Stopwatch.GetTimestamp();
        const int Rounds = 4;
        for (var i = 0; i < Rounds; i++)
            engine.Probabilities(batch, batch.Count, CancellationToken.None);
        return Rounds * batch.Count / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static byte[] Picture(int seed)
    {
        var rgb = new byte[Size * Size * 3];
        new Random(seed).NextBytes(rgb);
        return rgb;
    }
}
