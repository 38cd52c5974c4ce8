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
    /// Allowed |onnx - torch| per logit: 1e-4, relative to the image's largest logit when that exceeds 1 (as the zoo
    /// parity tests measure against PyTorch). Both engines compute in float32 (about 7 significant digits) but sum in
    /// a different order (oneDNN against MLAS kernels, batch norms folded into convolutions), so their rounding errors
    /// scale with the values summed into a logit, which is the size of the image's logits, not of that one logit (a
    /// logit near 0 among large ones carries the same absolute error). Randomly initialised deep networks give logits
    /// far above 1 (VGG, Wide ResNet, the mean-image ResNet on 0..255 input), where an absolute 1e-4 would ask for
    /// more digits than float32 holds.
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
            // TorchSharp's logits first, then the network goes: the largest networks (VGG, Wide ResNet-101) are
            // half a gigabyte, and ONNX Runtime holds its own copy.
            (float[] Pixels, float[] Logits)[] references;
            TimeSpan built, exported;
            using (var network = architecture.Build(Classes, size, loadPretrained: false))
            {
                Perturb(network.Module);
                network.Module.eval();
                built = clock.Elapsed;
                OnnxExporter.ExportTo(network, new OnnxExportInfo(["cat", "dog", "fox"], "model-1"), file);
                exported = clock.Elapsed;
                references = [Reference(network, 1, size), Reference(network, 2, size)];
            }

            var referenced = clock.Elapsed;
            using var options = new SessionOptions { IntraOpNumThreads = 2, InterOpNumThreads = 1 };
            using var session = new InferenceSession(file, options);
            var loaded = clock.Elapsed;
            Assert.Equal(OnnxExporter.InputName, session.InputMetadata.Keys.Single());
            Assert.Equal(-1, session.InputMetadata[OnnxExporter.InputName].Dimensions[0]);
            var metadata = session.ModelMetadata.CustomMetadataMap;
            Assert.Equal(["cat", "dog", "fox"], JsonSerializer.Deserialize<string[]>(metadata["classes"])!);
            Assert.Equal(size.ToString(System.Globalization.CultureInfo.InvariantCulture), metadata["image_size"]);
            Assert.Equal(name, metadata["architecture"]);

            var worst = references.Max(r => Compare(session, r.Pixels, r.Logits, size, name));
            output.WriteLine($"{name} at {size} px: build {built.TotalSeconds:F1} s, export {(exported - built).TotalSeconds:F1} s, " +
                $"ONNX Runtime load {(loaded - referenced).TotalSeconds:F1} s, total {clock.Elapsed.TotalSeconds:F1} s, " +
                $"file {new FileInfo(file).Length / 1e6:F1} MB, worst |onnx - torch| / max(1, max |torch|) {worst:E2}");
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
    public void AnEmitterThatDriftsFromItsModulesForwardFailsTheExport()
    {
        TorchNativeLibrary.EnsureLoaded();
        var module = nn.Sequential(
            ("features", nn.Sequential(("conv", nn.Conv2d(3, 4, 3)), ("block", new DriftedBlock()))),
            ("pool", nn.AdaptiveAvgPool2d(1)),
            ("flatten", nn.Flatten()),
            ("head", nn.Linear(4, 2)));
        using var network = new ClassifierNetwork("custom", module, "head", 16, InputNormalization.ImageNet.CreateTransform());

        var error = Assert.Throws<InvalidOperationException>(() => OnnxExporter.Export(network, new OnnxExportInfo(["a", "b"])));

        Assert.Contains("'features.block'", error.Message, StringComparison.Ordinal);
        Assert.Contains("differs from its forward", error.Message, StringComparison.Ordinal);
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

    // Random whole-number pixels in RGB order and TorchSharp's logits for them (the network's own preparation and forward).
    private static (float[] Pixels, float[] Logits) Reference(ClassifierNetwork network, int batch, int size)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new TorchSharp.torch.Generator((ulong)(1000 + batch));
        var raw = randint(0, 256, [batch, 3, size, size], generator: generator).to_type(ScalarType.Float32);
        var logits = network.Logits(network.Input.Apply(network.Input.Bgr ? raw.flip(1) : raw));
        return (raw.contiguous().data<float>().ToArray(), logits.contiguous().data<float>().ToArray());
    }

    // Worst |onnx - torch| / max(1, the image's max |torch|) over the logits; asserts the bound and the probabilities.
    private static double Compare(InferenceSession session, float[] pixels, float[] expected, int size, string name)
    {
        var batch = pixels.Length / (3 * size * size);
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
            var scale = Math.Max(1.0, expected.AsSpan((i / Classes) * Classes, Classes).ToArray().Max(Math.Abs));
            var error = Math.Abs(logits[i] - expected[i]) / scale;
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
        public override Tensor forward(Tensor input) => input.add(input, HeldScalars.One);
    }

    // Its forward is x + relu(x); its description to the exporter forgets the residual.
    private sealed class DriftedBlock() : nn.Module<Tensor, Tensor>(nameof(DriftedBlock)), IOnnxEmittable
    {
        public override Tensor forward(Tensor input) => input.relu().add_(input, HeldScalars.One);

        Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input) => trace.Relu(path + ".relu", input);
    }
}
