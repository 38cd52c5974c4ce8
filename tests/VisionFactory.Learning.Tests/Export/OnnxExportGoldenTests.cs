using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using TorchSharp.Modules;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Export;
using VisionFactory.Learning.Native;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Export;

/// <summary>
/// Every architecture of the catalogue exports to ONNX, and ONNX Runtime's logits for raw RGB pixels equal
/// TorchSharp's (the network's own input preparation and forward) within <see cref="Tolerance"/>, at batch 1 and 2.
/// </summary>
public sealed class OnnxExportGoldenTests(ITestOutputHelper output)
{
    /// <summary>
    /// Allowed |onnx - torch| per logit: 1e-4, scaled by the logit's size when it exceeds 1. Both engines compute in
    /// float32 (7 significant digits) but sum in a different order (oneDNN against MLAS kernels, batch norms folded
    /// into convolutions), so their rounding errors grow with the values; randomly initialised deep networks give
    /// logits well above 1 (VGG, Wide ResNet), where an absolute 1e-4 would ask for more digits than float32 holds.
    /// </summary>
    private const double Tolerance = 1e-4;

    private const int Classes = 3;

    public static TheoryData<string> Architectures()
    {
        var data = new TheoryData<string>();
        foreach (var a in ArchitectureCatalog.Default.All.OrderBy(a => a.Name, StringComparer.Ordinal))
            data.Add(a.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void OnnxRuntimeClassifiesLikeTorchSharp(string name)
    {
        TorchNativeLibrary.EnsureLoaded();
        var clock = Stopwatch.StartNew();
        var architecture = ArchitectureCatalog.Default.Get(name);
        var size = architecture.MinImageSize;
        var file = Path.Combine(Path.GetTempPath(), $"vf-onnx-{name}-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var network = architecture.Build(Classes, size, loadPretrained: false))
            {
                Perturb(network.Module);
                network.Module.eval();
                OnnxExporter.ExportTo(network, new OnnxExportInfo(["cat", "dog", "fox"], "model-1"), file);
                var exported = clock.Elapsed;

                using var options = new SessionOptions { IntraOpNumThreads = 2, InterOpNumThreads = 1 };
                using var session = new InferenceSession(file, options);
                Assert.Equal(OnnxExporter.InputName, session.InputMetadata.Keys.Single());
                Assert.Equal(-1, session.InputMetadata[OnnxExporter.InputName].Dimensions[0]);
                var metadata = session.ModelMetadata.CustomMetadataMap;
                Assert.Equal(["cat", "dog", "fox"], JsonSerializer.Deserialize<string[]>(metadata["classes"])!);
                Assert.Equal(size.ToString(System.Globalization.CultureInfo.InvariantCulture), metadata["image_size"]);
                Assert.Equal(name, metadata["architecture"]);

                var worst = 0.0;
                foreach (var batch in new[] { 1, 2 })
                    worst = Math.Max(worst, Compare(network, session, batch, size, name));
                output.WriteLine($"{name} at {size} px: export {exported.TotalSeconds:F1} s, total {clock.Elapsed.TotalSeconds:F1} s, " +
                    $"file {new FileInfo(file).Length / 1e6:F1} MB, worst |onnx - torch| / max(1, |torch|) {worst:E2}");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void AModuleTheExporterDoesNotKnowFailsNamingItsPath()
    {
        TorchNativeLibrary.EnsureLoaded();
        var module = nn.Sequential(
            ("features", nn.Sequential(("conv", nn.Conv2d(3, 4, 3)), ("odd", new Doubler()))),
            ("pool", nn.AdaptiveAvgPool2d(1)),
            ("flatten", nn.Flatten()),
            ("head", nn.Linear(4, 2)));
        using var network = new ClassifierNetwork("custom", module, "head", 16, InputNormalization.ImageNet.CreateTransform());

        var error = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(network, new OnnxExportInfo(["a", "b"])));

        Assert.Contains("'features.odd'", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(Doubler), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExportLeavesATrainingNetworkTraining()
    {
        TorchNativeLibrary.EnsureLoaded();
        var architecture = ArchitectureCatalog.Default.Get("small_cnn");
        using var network = architecture.Build(2, architecture.MinImageSize, loadPretrained: false);
        network.Module.train();

        var model = OnnxExporter.Export(network, new OnnxExportInfo(["a", "b"]));

        Assert.True(network.Module.training);
        Assert.Equal(OnnxExporter.Opset, model.OpsetImport.Single().Version);
        Assert.Equal([OnnxExporter.LogitsName, OnnxExporter.ProbabilitiesName], model.Graph.Output.Select(o => o.Name));
    }

    // Worst |onnx - torch| / max(1, |torch|) over the logits; asserts the bound and the probabilities.
    private static double Compare(ClassifierNetwork network, InferenceSession session, int batch, int size, string name)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new TorchSharp.torch.Generator((ulong)(1000 + batch));
        var raw = randint(0, 256, [batch, 3, size, size], generator: generator).to_type(ScalarType.Float32);
        var expected = network.Logits(network.Input.Apply(network.Input.Bgr ? raw.flip(1) : raw)).contiguous().data<float>().ToArray();

        var pixels = raw.contiguous().data<float>().ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [batch, 3, size, size]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [OnnxExporter.InputName], [input], [OnnxExporter.LogitsName, OnnxExporter.ProbabilitiesName]);
        var logits = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var probabilities = outputs[1].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(expected.Length, logits.Length);
        Assert.Equal([batch, Classes], outputs[0].GetTensorTypeAndShape().Shape);

        var worst = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs(logits[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i]));
            worst = Math.Max(worst, error);
            Assert.True(error <= Tolerance, $"{name}, batch {batch}, logit {i}: ONNX Runtime {logits[i]}, TorchSharp {expected[i]} (error {error:E2})");
        }

        for (var row = 0; row < batch; row++)
        {
            var slice = expected.AsSpan(row * Classes, Classes).ToArray();
            var max = slice.Max();
            var sum = slice.Sum(v => Math.Exp(v - max));
            for (var c = 0; c < Classes; c++)
                Assert.Equal(Math.Exp(slice[c] - max) / sum, probabilities[(row * Classes) + c], 1e-4);
        }

        return worst;
    }

    // Fresh batch norms compute the identity (mean 0, variance 1, weight 1, bias 0) and ConvNeXt's layer scales are
    // 1e-6: random statistics and scales make the test see folding, normalisation and scaling mistakes.
    private static void Perturb(nn.Module module)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new TorchSharp.torch.Generator(7);
        foreach (var (_, child) in module.named_modules())
        {
            if (child is BatchNorm2d norm)
            {
                norm.running_mean!.copy_(randn(norm.running_mean.shape, generator: generator).mul_(0.1f));
                norm.running_var!.copy_(rand(norm.running_var.shape, generator: generator).add_(0.5f));
                norm.weight!.copy_(rand(norm.weight.shape, generator: generator).mul_(0.4f).add_(0.8f));
                norm.bias!.copy_(randn(norm.bias.shape, generator: generator).mul_(0.1f));
            }
        }

        foreach (var (name, parameter) in module.named_parameters())
        {
            if (name.EndsWith("layer_scale", StringComparison.Ordinal))
                parameter.copy_(rand(parameter.shape, generator: generator).mul_(0.4f).add_(0.1f));
        }
    }

    private sealed class Doubler() : nn.Module<Tensor, Tensor>(nameof(Doubler))
    {
        public override Tensor forward(Tensor input) => input.add(input);
    }
}
