using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Native;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Zoo;

/// <summary>
/// Architectures that evaluate in the channels-last layout (<see cref="MemoryLayout"/>) give torchvision's logits
/// through the product's path (<see cref="ClassifierNetwork.Logits"/> in evaluation), and training keeps its layout.
/// </summary>
public sealed class ChannelsLastInferenceTests
{
    public ChannelsLastInferenceTests() => TorchNativeLibrary.EnsureLoaded();

    public static TheoryData<string> ChannelsLastArchitectures()
    {
        var data = new TheoryData<string>();
        foreach (var a in ArchitectureCatalog.Default.All.Where(a => a.ChannelsLastInference).OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            data.Add(a.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ChannelsLastArchitectures))]
    public void ChannelsLastLogitsMatchTorchvision(string name)
    {
        var golden = ZooParity.Read(name);
        using var network = ArchitectureCatalog.Default.Get(name).Build(golden.NumClasses, golden.InputSize, loadPretrained: false);
        Assert.True(network.ChannelsLastInference);
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

        Assert.True(reachedChannelsLast, $"{name}: the network did not receive channels-last input in evaluation");
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

    [Fact]
    public void TrainingKeepsTheDefaultLayout()
    {
        using var network = ArchitectureCatalog.Default.Get("mobilenet_v3_small").Build(2, 32, loadPretrained: false);
        var layouts = new List<bool>();
        var hook = network.Module.register_forward_pre_hook((_, input) =>
        {
            layouts.Add(MemoryLayout.IsChannelsLast(input));
            return input;
        });
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 32, 32);

        network.Module.train();
        network.Logits(x);
        network.Module.eval();
        using (inference_mode())
        {
            network.Logits(x);
        }

        hook.remove();
        Assert.Equal([false, true], layouts);
    }

    [Fact]
    public void ProfilerTimesTheBuiltNetworkThroughItsInferencePath()
    {
        var latency = ArchitectureProfiler.CpuLatencyMilliseconds(ArchitectureCatalog.Default.Get("mobilenet_v3_small"), threads: 1, runs: 1, maxSeconds: 0);

        Assert.True(latency is > 0 and < 60_000, $"{latency} ms");
    }
}
