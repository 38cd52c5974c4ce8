using TorchSharp.PyBridge;
using VisionFactory.Domain;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Weights;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Weights;

public sealed class WeightFileReaderTests
{
    private const string EvilMarker = "/tmp/vf-evil-pickle-ran";

    [Fact]
    public void PyTorchStateDictOfTensorsLoads()
    {
        var weights = WeightFileReader.Read(Golden.PathOf("pickles/tiny.pth"));

        Assert.Equal(["fc.bias", "fc.weight"], weights.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([3L, 4L], weights["fc.weight"].shape);
        Assert.Equal(11f, weights["fc.weight"][2, 3].item<float>());
        Assert.Equal(3f, weights["fc.bias"][2].item<float>());
    }

    [Fact]
    public void LegacySerialisationLoadsWithTheSameValuesAndElementTypes()
    {
        var weights = WeightFileReader.Read(Golden.PathOf("pickles/tiny-legacy.pth"));

        Assert.Equal(["bn.num_batches_tracked", "fc.bias", "fc.weight", "mask", "scale"], weights.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([3L, 4L], weights["fc.weight"].shape);
        Assert.Equal(11f, weights["fc.weight"][2, 3].item<float>());
        Assert.Equal(3f, weights["fc.bias"][2].item<float>());
        Assert.Equal(7L, weights["bn.num_batches_tracked"].item<long>());
        Assert.Equal(ScalarType.Float64, weights["scale"].dtype);
        Assert.Equal(0.25, weights["scale"][1].item<double>());
        Assert.Equal(ScalarType.Byte, weights["mask"].dtype);
        Assert.Equal([1, 0, 1], weights["mask"].data<byte>().ToArray());
    }

    [Fact]
    public void LegacyPickleThatWouldRunCodeIsRefusedAndNothingRuns()
    {
        File.Delete(EvilMarker);

        var e = Assert.Throws<ProblemException>(() => WeightFileReader.Read(Golden.PathOf("pickles/evil-legacy.pth")));

        Assert.True(e.Message.Contains("only state dicts of tensors are accepted", StringComparison.Ordinal), e.ToString());
        Assert.False(File.Exists(EvilMarker));
    }

    [Fact]
    public void PickleThatWouldRunCodeIsRefusedAndNothingRuns()
    {
        File.Delete(EvilMarker);

        var e = Assert.Throws<ProblemException>(() => WeightFileReader.Read(Golden.PathOf("pickles/evil.pth")));

        Assert.True(e.Message.Contains("only state dicts of tensors are accepted", StringComparison.Ordinal), e.ToString());
        Assert.False(File.Exists(EvilMarker));
    }

    [Fact]
    public void SafetensorsRoundTrip()
    {
        var path = Path.Combine(Path.GetTempPath(), $"vf-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var module = ArchitectureCatalog.Default.Get("resnet18").CreateModule(7);
            Safetensors.SaveStateDict(path, module.state_dict());

            var weights = WeightFileReader.Read(path);

            Assert.Equal(module.state_dict().Count, weights.Count);
            Assert.True(weights["conv1.weight"].allclose(module.state_dict()["conv1.weight"], rtol: 0, atol: 0));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void UnknownExtensionAndDamagedFilesGetClearErrors()
    {
        var text = Path.Combine(Path.GetTempPath(), $"vf-{Guid.NewGuid():N}.txt");
        var damaged = Path.Combine(Path.GetTempPath(), $"vf-{Guid.NewGuid():N}.pth");
        File.WriteAllText(text, "x");
        File.WriteAllText(damaged, "not a checkpoint");
        try
        {
            Assert.Contains("not a weights file", Assert.Throws<ProblemException>(() => WeightFileReader.Read(text)).Message, StringComparison.Ordinal);
            Assert.Contains("cannot be read as .pth weights", Assert.Throws<ProblemException>(() => WeightFileReader.Read(damaged)).Message, StringComparison.Ordinal);
            Assert.Equal(ProblemKind.NotFound, Assert.Throws<ProblemException>(() => WeightFileReader.Read(text + ".missing")).Kind);
        }
        finally
        {
            File.Delete(text);
            File.Delete(damaged);
        }
    }

    [Fact]
    public void ThousandClassCheckpointKeepsTheBackboneAndGivesAFreshHead()
    {
        using var imagenet = ArchitectureCatalog.Default.Get("resnet18").CreateModule(1000);
        using var target = ArchitectureCatalog.Default.Get("resnet18").CreateModule(3);
        var headBefore = target.state_dict()["fc.weight"].clone();

        var headLoaded = PretrainedLoader.Load(target, imagenet.state_dict(), "fc", "resnet18");

        Assert.False(headLoaded);
        Assert.True(target.state_dict()["layer4.1.conv2.weight"].allclose(imagenet.state_dict()["layer4.1.conv2.weight"], rtol: 0, atol: 0));
        Assert.True(target.state_dict()["fc.weight"].allclose(headBefore, rtol: 0, atol: 0));
    }

    [Fact]
    public void WeightsOfAnotherArchitectureAreReportedAndNothingLoads()
    {
        using var resnet34 = ArchitectureCatalog.Default.Get("resnet34").CreateModule(10);
        using var target = ArchitectureCatalog.Default.Get("resnet18").CreateModule(10);
        var before = target.state_dict()["conv1.weight"].clone();

        var e = Assert.Throws<ProblemException>(() => PretrainedLoader.Load(target, resnet34.state_dict(), "fc", "resnet18"));

        Assert.Contains("do not fit resnet18", e.Message, StringComparison.Ordinal);
        Assert.Contains("layer1.2.conv1.weight", e.Message, StringComparison.Ordinal);
        Assert.True(target.state_dict()["conv1.weight"].allclose(before, rtol: 0, atol: 0));
    }
}
