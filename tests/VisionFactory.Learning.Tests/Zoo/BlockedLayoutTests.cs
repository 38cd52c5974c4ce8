using TorchSharp;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Native;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Zoo;

/// <summary>
/// oneDNN's blocked layout (<see cref="BlockedLayout"/>) on the product's path (<see cref="ClassifierNetwork.Logits"/>
/// and <see cref="ClassifierNetwork.Features"/>): single images of the architectures that chose it are classified in it
/// to torchvision's logits, and every pass that trains or needs gradients stays dense.
/// </summary>
public sealed class BlockedLayoutTests
{
    public BlockedLayoutTests() => TorchNativeLibrary.EnsureLoaded();

    public static TheoryData<string> BlockedArchitectures()
    {
        var data = new TheoryData<string>();
        foreach (var a in ArchitectureCatalog.Default.All
                     .Where(a => a.BlockedInferenceUntil is not null && a.Name != "resnet18-imagenet")
                     .OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            data.Add(a.Name);
        }

        return data;
    }

    [Fact]
    public void TheResNetAndVggFamiliesClassifySingleImagesInTheBlockedLayout()
    {
        var blocked = ArchitectureCatalog.Default.All.Where(a => a.BlockedInferenceUntil is not null).Select(a => a.Name).ToHashSet();

        Assert.Superset(
            new HashSet<string> { "resnet18", "resnet50", "resnext50_32x4d", "resnext101_64x4d", "wide_resnet50_2", "resnet18-imagenet", "vgg16", "alexnet" },
            blocked);
        Assert.DoesNotContain("mobilenet_v2", blocked);
        Assert.DoesNotContain("densenet121", blocked);
    }

    /// <summary>Each image of the golden pair, classified alone, in the blocked layout, gives torchvision's logits.</summary>
    [Theory]
    [MemberData(nameof(BlockedArchitectures))]
    public void SingleImagesInTheBlockedLayoutGiveTorchvisionsLogits(string name)
    {
        var golden = ZooParity.Read(name);
        using var network = ArchitectureCatalog.Default.Get(name).Build(golden.NumClasses, golden.InputSize, loadPretrained: false);
        var blockedPasses = 0;
        var hook = network.Module.register_forward_pre_hook((_, input) =>
        {
            blockedPasses += BlockedLayout.IsBlocked(input) ? 1 : 0;
            return input;
        });

        double difference;
        try
        {
            difference = ZooParity.Check(name, network.Module, pair => cat([network.Logits(pair[..1]), network.Logits(pair[1..])], 0));
        }
        finally
        {
            hook.remove();
        }

        // A processor that describes no L1 data cache cannot run oneDNN's blocked additions: its passes stay dense.
        Assert.Equal(BlockedLayout.IsAvailable ? 2 : 0, blockedPasses);
        Assert.True(difference < ZooParity.Tolerance, $"{name}: blocked-layout logits differ from torchvision by {difference:E2} (relative)");
    }

    /// <summary>
    /// The bundled ImageNet ResNet: one image's features and logits in the blocked layout equal the default layout's,
    /// and come back as ordinary tensors.
    /// </summary>
    [Fact]
    public void TheBundledResNetGivesTheSameFeaturesAndLogitsInTheBlockedLayout()
    {
        using var network = ArchitectureCatalog.Default.Get("resnet18-imagenet").Build(3, 224, loadPretrained: true);
        network.Module.eval();
        using var scope = NewDisposeScope();
        var image = network.Input.Apply(rand(1, 3, 224, 224) * 255);
        using var _ = inference_mode();

        var features = network.Features(image);
        var logits = network.Logits(image);
        var denseFeatures = network.Features(cat([image, image], 0))[..1];
        var denseLogits = network.Module.call(image);

        Assert.False(BlockedLayout.IsBlocked(features));
        Assert.False(BlockedLayout.IsBlocked(logits));
        Assert.Equal([1L, 512], features.shape);
        Assert.True((features - denseFeatures).abs().max().item<float>() <= 1e-4 * features.abs().max().item<float>());
        Assert.True((logits - denseLogits).abs().max().item<float>() <= 1e-4 * Math.Max(1, denseLogits.abs().max().item<float>()));
    }

    /// <summary>Training steps and passes under autograd (Grad-CAM) stay dense: libtorch cannot differentiate most blocked operations.</summary>
    [Fact]
    public void PassesThatTrainOrNeedGradientsStayDense()
    {
        using var network = ArchitectureCatalog.Default.Get("resnet18").Build(2, 32, loadPretrained: false);
        var blocked = new List<bool>();
        var hook = network.Module.register_forward_pre_hook((_, input) =>
        {
            blocked.Add(BlockedLayout.IsBlocked(input));
            return input;
        });
        using var scope = NewDisposeScope();

        network.Module.train();
        network.Logits(randn(1, 3, 32, 32)).sum().backward();
        network.Module.eval();
        var withGradients = network.Logits(randn(1, 3, 32, 32).requires_grad_(true));
        withGradients.sum().backward();
        using (no_grad())
        {
            network.Logits(randn(1, 3, 32, 32));
        }

        hook.remove();
        Assert.Equal([false, false, BlockedLayout.IsAvailable], blocked);
    }

    /// <summary>The blocked tensors of a pass (input, activations, the conversion back) all end with its dispose scope.</summary>
    [Fact]
    public void BlockedPassesLeaveNoLiveTensors()
    {
        using var network = ArchitectureCatalog.Default.Get("resnet18").Build(2, 64, loadPretrained: false);
        network.Module.eval();
        var live = DisposeScopeManager.Statistics.TensorStatistics;
        var before = live.ThreadTotalLiveCount;

        for (var i = 0; i < 5; i++)
        {
            using var scope = NewDisposeScope();
            using var _ = inference_mode();
            var image = randn(1, 3, 64, 64);
            Assert.Equal([1L, 2], network.Logits(image).shape);
            Assert.Equal([1L, 512], network.Features(image).shape);
        }

        Assert.Equal(before, live.ThreadTotalLiveCount);
    }

    [Fact]
    public void ConversionsKeepShapeAndValues()
    {
        using var scope = NewDisposeScope();
        var x = randn(1, 8, 5, 5);

        var blocked = BlockedLayout.ToBlocked(x);
        var back = BlockedLayout.ToDense(blocked);

        Assert.True(BlockedLayout.IsBlocked(blocked));
        Assert.False(BlockedLayout.IsBlocked(back));
        Assert.Equal(x.shape, back.shape);
        Assert.True(x.equal(back).all().item<bool>());
        Assert.True(x.equal(BlockedLayout.ToDense(x)).all().item<bool>());
    }
}
