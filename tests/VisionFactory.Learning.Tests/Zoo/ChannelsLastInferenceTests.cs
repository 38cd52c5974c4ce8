using TorchSharp;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Native;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Zoo;

/// <summary>
/// The channels-last layout (<see cref="MemoryLayout"/>) on the product's path (<see cref="ClassifierNetwork.Logits"/>):
/// batches evaluate to torchvision's logits in it, each pass gets the layout its architecture chose, and a training
/// step in it computes the same loss and gradients.
/// </summary>
public sealed class ChannelsLastInferenceTests
{
    public ChannelsLastInferenceTests() => TorchNativeLibrary.EnsureLoaded();

    /// <summary>Batches (the golden input holds two images) are evaluated channels-last for every architecture.</summary>
    [Theory]
    [MemberData(nameof(CatalogParityTests.Architectures), MemberType = typeof(CatalogParityTests))]
    public void BatchedChannelsLastLogitsMatchTorchvision(string name)
    {
        var golden = ZooParity.Read(name);
        using var network = ArchitectureCatalog.Default.Get(name).Build(golden.NumClasses, golden.InputSize, loadPretrained: false);
        var reachedChannelsLast = false;
        var hook = network.Module.register_forward_pre_hook((_, input) =>
        {
            reachedChannelsLast = MemoryLayout.IsChannelsLast(input);
            return input;
        });

        double difference;
        try
        {
            difference = ZooParity.Check(name, network.Module, network.Logits);
        }
        finally
        {
            hook.remove();
        }

        // Where the processor describes no cache, oneDNN's channels-last kernels are not used (MemoryLayout.IsAvailable).
        Assert.True(reachedChannelsLast == MemoryLayout.IsAvailable, $"{name}: channels-last input for a batch in evaluation: {reachedChannelsLast}, expected {MemoryLayout.IsAvailable}");
        Assert.True(difference < ZooParity.Tolerance, $"{name}: channels-last logits differ from torchvision by {difference:E2} (relative)");
    }

    [Fact]
    public void ToChannelsLastKeepsShapeAndValuesAndChangesOnlyTheStrides()
    {
        using var scope = NewDisposeScope();
        var x = arange(2 * 3 * 4 * 5, dtype: ScalarType.Float32).reshape(2, 3, 4, 5);

        var y = MemoryLayout.ToChannelsLast(x);

        Assert.False(MemoryLayout.IsChannelsLast(x));
        Assert.True(MemoryLayout.IsChannelsLast(y));
        Assert.Equal(x.shape, y.shape);
        Assert.Equal([60L, 1, 15, 3], y.stride());
        Assert.True(x.equal(y).all().item<bool>());
        Assert.True(MemoryLayout.IsChannelsLast(MemoryLayout.ToChannelsLast(y)));
        Assert.Throws<ArgumentException>(() => MemoryLayout.ToChannelsLast(x.flatten(1)));
    }

    [Theory]
    [InlineData("mobilenet_v3_small", "channels-last", "channels-last", "channels-last")]
    [InlineData("resnet18", "channels-last", "blocked", "channels-last")]
    [InlineData("convnext_tiny", "default", "channels-last", "channels-last")]
    public void EachPassGetsTheLayoutItsArchitectureRunsFastestIn(string name, string training, string singleImage, string batch)
    {
        var size = ArchitectureCatalog.Default.Get(name).MinImageSize;
        using var network = ArchitectureCatalog.Default.Get(name).Build(2, size, loadPretrained: false);
        var layouts = new List<string>();
        var hook = network.Module.register_forward_pre_hook((_, input) =>
        {
            layouts.Add(BlockedLayout.IsBlocked(input) ? "blocked" : MemoryLayout.IsChannelsLast(input) ? "channels-last" : "default");
            return input;
        });
        using var scope = NewDisposeScope();

        network.Module.train();
        network.Logits(randn(2, 3, size, size));
        network.Module.eval();
        using (inference_mode())
        {
            network.Logits(randn(1, 3, size, size));
            network.Logits(randn(2, 3, size, size));
        }

        hook.remove();
        // Where the processor describes no cache (CpuDataCache), every pass keeps to the plain layout.
        if (!MemoryLayout.IsAvailable)
            (training, singleImage, batch) = ("default", "default", "default");
        Assert.Equal([training, singleImage, batch], layouts);
    }

    /// <summary>
    /// A backward pass in channels-last computes the loss the default layout does, and gradients within 1 % (relative,
    /// over the whole gradient vector) of the float64 ones. Measured over 9 runs (the initial weights are random), both
    /// layouts are usually within 2e-6; now and then one of them, either, is off by 1e-4 to 2e-3, far below the noise
    /// of a mini-batch.
    /// </summary>
    [Theory]
    [InlineData("resnet18")]
    [InlineData("mobilenet_v2")]
    [InlineData("densenet121")]
    public void ChannelsLastGradientsMatchFloat64(string name)
    {
        using var network = ArchitectureCatalog.Default.Get(name).Build(3, 64, loadPretrained: false);
        Assert.True(network.ChannelsLastTraining);
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        var x = randn([8, 3, 64, 64], generator: generator);
        var y = tensor(new long[] { 0, 1, 2, 1, 2, 0, 1, 2 });

        // Batch norm and dropout in evaluation (as when fine-tuning with frozen statistics): training-mode batch norm over
        // the last stages' few values per channel is so badly conditioned that float32 itself differs from float64 by
        // several per cent in either layout, depending on the initial weights, which would hide what this compares.
        network.Module.eval();

        // Each pass starts from the same weights and batch-norm statistics.
        var state = network.Module.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        (float Loss, float[] Gradients) Step(Tensor input, ScalarType type)
        {
            network.Module.to(ScalarType.Float32);
            network.Module.load_state_dict(state);
            network.Module.to(type);
            network.Module.zero_grad();
            var loss = nn.functional.cross_entropy(network.Module.call(input.to_type(type)), y);
            loss.backward();
            var gradients = cat(network.Module.parameters().Select(p => p.grad!.flatten().to_type(ScalarType.Float32)).ToList()).data<float>().ToArray();
            return (loss.to_type(ScalarType.Float32).item<float>(), gradients);
        }

        var plain = Step(x, ScalarType.Float32);
        var truth = Step(x, ScalarType.Float64);
        if (!MemoryLayout.IsAvailable)
        {
            // A processor that describes no cache trains in the plain layout (its channels-last kernels crash there):
            // then that layout, the one the product uses, is what must match float64.
            var error = RelativeL2(plain.Gradients, truth.Gradients);
            Assert.True(error < 1e-2, $"{name}: default-layout gradients differ from float64 by {error:E2} (relative L2)");
            return;
        }

        var channelsLast = Step(MemoryLayout.ToChannelsLast(x), ScalarType.Float32);

        Assert.True(Math.Abs(plain.Loss - channelsLast.Loss) <= 1e-4 * Math.Abs(truth.Loss), $"{name}: loss {channelsLast.Loss} channels-last, {plain.Loss} in the default layout");
        var plainError = RelativeL2(plain.Gradients, truth.Gradients);
        var channelsLastError = RelativeL2(channelsLast.Gradients, truth.Gradients);
        Assert.True(channelsLastError < 1e-2,
            $"{name}: channels-last gradients differ from float64 by {channelsLastError:E2} (relative L2), the default layout's by {plainError:E2}");
    }

    // |a - b| / |b| over the whole vector: one badly conditioned element cannot dominate it as it does the largest difference.
    private static double RelativeL2(float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double difference = 0, norm = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            difference += (actual[i] - (double)expected[i]) * (actual[i] - (double)expected[i]);
            norm += (double)expected[i] * expected[i];
        }

        return Math.Sqrt(difference / norm);
    }

    [Fact]
    public void ProfilerTimesTheBuiltNetworkThroughItsInferencePath()
    {
        var latency = ArchitectureProfiler.CpuLatencyMilliseconds(ArchitectureCatalog.Default.Get("mobilenet_v3_small"), threads: 1, runs: 1, warmUpSeconds: 0);

        Assert.True(latency is > 0 and < 60_000, $"{latency} ms");
    }
}
