using VisionFactory.Learning.Native;
using VisionFactory.Learning.Zoo;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Zoo;

public sealed class ResNetTests
{
    public ResNetTests() => TorchNativeLibrary.EnsureLoaded();

    [Fact]
    public void StateDictHasExactlyTorchvisionKeysAndShapes()
    {
        using var network = new ResNet(1000);

        var actual = network.state_dict();

        // TorchSharp lists parameters before buffers; torchvision interleaves them. Loading goes by name.
        var expected = Golden.StateDict2223();
        Assert.Equal(expected.Select(e => e.Key).Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        Assert.All(expected, e => Assert.Equal(e.Shape, actual[e.Key].shape));
    }

    [Fact]
    public void ResNet18DepthsGiveTorchvisionResNet18ParameterCount()
    {
        using var network = new ResNet(1000, [2, 2, 2, 2]);

        var count = network.parameters().Sum(p => p.numel());

        Assert.Equal(11_689_512, count);
        Assert.DoesNotContain(network.state_dict().Keys, k => k.StartsWith("layer1.0.downsample", StringComparison.Ordinal));
    }

    [Fact]
    public void ForwardFeaturesAndFeatureMapHaveTheDocumentedShapes()
    {
        using var network = new ResNet(5);
        network.eval();
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 64, 64);

        Assert.Equal([2L, 5], network.call(x).shape);
        Assert.Equal([2L, 512], network.Features(x).shape);
        Assert.Equal([2L, 512, 2, 2], network.FeatureMap(x).shape);
    }

    [Fact]
    public void ForwardLeavesOnlyItsResultInTheCallersScope()
    {
        using var network = new ResNet(3);
        using var scope = NewDisposeScope();
        var x = randn(1, 3, 64, 64);
        var before = scope.DisposablesCount;

        var logits = network.call(x);
        var features = network.Features(x);
        var map = network.FeatureMap(x);

        Assert.Equal(before + 3, scope.DisposablesCount);
        Assert.False(logits.IsInvalid || features.IsInvalid || map.IsInvalid);
    }

    [Fact]
    public void HeadOfFeatureMapEqualsForwardAndPassesGradientsToTheMap()
    {
        using var network = new ResNet(4);
        network.eval();
        using var scope = NewDisposeScope();
        var x = randn(1, 3, 64, 64);

        var map = network.FeatureMap(x);
        map.retain_grad();
        var logits = network.Head(map);
        logits[0, 1].backward();

        Assert.True(allclose(logits, network.call(x), rtol: 1e-5, atol: 1e-6));
        Assert.NotNull(map.grad);
        Assert.Equal(map.shape, map.grad!.shape);
    }

    [Fact]
    public void RejectsAnythingButFourStages()
    {
        Assert.Throws<ArgumentException>(() => new ResNet(2, [2, 2, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResNet(0));
    }
}
