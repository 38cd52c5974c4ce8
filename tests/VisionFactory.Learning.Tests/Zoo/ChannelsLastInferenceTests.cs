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

    public static TheoryData<string> Architectures()
    {
        var data = new TheoryData<string>();
        foreach (var a in ArchitectureCatalog.Default.All.Where(a => a.Name != "resnet18-imagenet").OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            data.Add(a.Name);
        }

        return data;
    }

    /// <summary>Batches (the golden input holds two images) are evaluated channels-last for every architecture.</summary>
    [Theory]
    [MemberData(nameof(Architectures))]
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

        Assert.True(reachedChannelsLast, $"{name}: the network did not receive channels-last input for a batch in evaluation");
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
    [InlineData("mobilenet_v3_small", true, true, true)]
    [InlineData("resnet18", true, false, true)]
    [InlineData("convnext_tiny", false, true, true)]
    public void EachPassGetsTheLayoutItsArchitectureRunsFastestIn(string name, bool training, bool singleImage, bool batch)
    {
        using var network = ArchitectureCatalog.Default.Get(name).Build(2, 32, loadPretrained: false);
        var layouts = new List<bool>();
        var hook = network.Module.register_forward_pre_hook((_, input) =>
        {
            layouts.Add(MemoryLayout.IsChannelsLast(input));
            return input;
        });
        using var scope = NewDisposeScope();

        network.Module.train();
        network.Logits(randn(2, 3, 32, 32));
        network.Module.eval();
        using (inference_mode())
        {
            network.Logits(randn(1, 3, 32, 32));
            network.Logits(randn(2, 3, 32, 32));
        }

        hook.remove();
        Assert.Equal([training, singleImage, batch], layouts);
    }

    /// <summary>
    /// A training step in channels-last computes the loss the default layout does, and gradients as close to the float64
    /// ones (the truth both single-precision layouts approximate), within a factor of two: the two layouts sum in
    /// different orders, and for MobileNet v2 libtorch's default-layout kernels are the less exact by far.
    /// </summary>
    [Theory]
    [InlineData("resnet18")]
    [InlineData("mobilenet_v2")]
    [InlineData("densenet121")]
    public void ChannelsLastTrainingIsAsExactAsTheDefaultLayout(string name)
    {
        using var network = ArchitectureCatalog.Default.Get(name).Build(3, 32, loadPretrained: false);
        Assert.True(network.ChannelsLastTraining);
        using var scope = NewDisposeScope();
        manual_seed(7);
        var x = randn(4, 3, 32, 32);
        var y = tensor(new long[] { 0, 1, 2, 1 });
        network.Module.train();

        // Dropout off (torch's random generator is shared with the tests running beside this one), batch norm training.
        foreach (var (_, module) in network.Module.named_modules().Where(m => m.module is TorchSharp.Modules.Dropout))
        {
            module.eval();
        }

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
        var channelsLast = Step(MemoryLayout.ToChannelsLast(x), ScalarType.Float32);
        var truth = Step(x, ScalarType.Float64);

        Assert.Equal(plain.Loss, channelsLast.Loss, 4);
        var plainError = Golden.RelativeDifference(plain.Gradients, truth.Gradients);
        var channelsLastError = Golden.RelativeDifference(channelsLast.Gradients, truth.Gradients);
        Assert.True(channelsLastError < 1e-2 && channelsLastError <= (2 * plainError) + 1e-4,
            $"{name}: channels-last gradients differ from float64 by {channelsLastError:E2} (relative), the default layout's by {plainError:E2}");
    }

    [Fact]
    public void ProfilerTimesTheBuiltNetworkThroughItsInferencePath()
    {
        var latency = ArchitectureProfiler.CpuLatencyMilliseconds(ArchitectureCatalog.Default.Get("mobilenet_v3_small"), threads: 1, runs: 1, maxSeconds: 0);

        Assert.True(latency is > 0 and < 60_000, $"{latency} ms");
    }
}
