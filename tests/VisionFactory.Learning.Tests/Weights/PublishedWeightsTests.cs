using System.Security.Cryptography;
using TorchSharp.PyBridge;
using VisionFactory.Domain.Zoo;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Weights;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Weights;

/// <summary>The published-weights catalogue against the zoo, and torchvision's file layouts through the .pth reader.</summary>
public sealed class PublishedWeightsTests
{
    [Fact]
    public void EveryZooArchitectureButTheBundledAndTheProjectsOwnIsCataloguedOnce()
    {
        var zoo = ArchitectureCatalog.Default.All.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var catalogued = PublishedWeightsCatalog.Official.Select(e => e.Architecture).ToList();

        Assert.Equal(zoo.Except(["resnet18-imagenet", "small_cnn"]).Order(StringComparer.Ordinal), catalogued.Order(StringComparer.Ordinal));
        Assert.Equal(catalogued.Count, PublishedWeightsCatalog.Official.Select(e => e.FileName).Distinct(StringComparer.Ordinal).Count());
        Assert.All(PublishedWeightsCatalog.Official, e => Assert.Matches("^[0-9a-f]{8,10}$", e.Sha256));
    }

    [Theory]
    [InlineData("resnet18-f37072fd.pth", "f37072fd")]
    [InlineData("alexnet-owt-7be5be79.pth", "7be5be79")]
    [InlineData("mnasnet0.5_top1_67.823-3ffadce67e.pth", "3ffadce67e")]
    [InlineData("shufflenetv2_x0.5-f707e7126e.pth", "f707e7126e")]
    public void DigestPrefixIsReadFromTheFileName(string file, string prefix)
    {
        var entry = PublishedWeightsFile.FromFileName("any", file);

        Assert.NotNull(entry);
        Assert.Equal(prefix, entry.Sha256);
        Assert.False(entry.IsFullDigest);
        Assert.True(entry.Matches(prefix + new string('0', 64 - prefix.Length)));
        Assert.False(entry.Matches(new string('0', 64)));
        Assert.Null(PublishedWeightsFile.FromFileName("any", "model_final.pth"));
    }

    [Fact]
    public void OldDenseNetNamesAreMappedAsTorchvisionMapsThem()
    {
        var path = Path.Combine(Path.GetTempPath(), $"vf-{Guid.NewGuid():N}.pth");
        try
        {
            Dictionary<string, Tensor> original;
            using (var module = ArchitectureCatalog.Default.Get("densenet121").CreateModule(1000))
            {
                original = module.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone(), StringComparer.Ordinal);
            }

            // As the published file (saved before PyTorch 0.4) holds them: features.denseblock1.denselayer1.norm.1.weight
            // for ...norm1.weight, and no batch-norm counters.
            var old = original.Where(p => !p.Key.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).ToDictionary(
                p => System.Text.RegularExpressions.Regex.Replace(p.Key, @"(denselayer\d+\.(?:norm|conv))([12])\.", "$1.$2."), p => p.Value, StringComparer.Ordinal);
            Assert.Contains("features.denseblock1.denselayer1.norm.1.weight", old.Keys);
            Assert.True(old.Count < original.Count);
            PyTorchPickler.PickleStateDict(path, old);

            var converted = WeightFileImport.Convert(ArchitectureCatalog.Default.Get("densenet121"), path);

            Assert.Equal(original.Count, converted.Tensors);
            Assert.Equal(1000, converted.HeadClasses);
            var safetensors = path + ".safetensors";
            File.WriteAllBytes(safetensors, converted.Safetensors);
            var stored = WeightFileReader.Read(safetensors);
            Assert.True(stored["features.denseblock1.denselayer1.norm1.weight"].allclose(original["features.denseblock1.denselayer1.norm1.weight"], rtol: 0, atol: 0));
            Assert.Equal(0L, stored["features.denseblock1.denselayer1.norm1.num_batches_tracked"].item<long>());
            Assert.Equal(0L, stored["features.norm0.num_batches_tracked"].item<long>());
            File.Delete(safetensors);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void GoogLeNetFilesAuxiliaryHeadsAreLeftOutAndAnythingElseUnexpectedIsStillRefused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"vf-{Guid.NewGuid():N}.pth");
        try
        {
            using var module = ArchitectureCatalog.Default.Get("googlenet").CreateModule(1000);
            var withAux = module.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone(), StringComparer.Ordinal);
            withAux["aux1.fc2.weight"] = zeros(1000, 1024);
            withAux["aux2.conv.conv.weight"] = zeros(128, 528, 1, 1);
            PyTorchPickler.PickleStateDict(path, withAux);

            var converted = WeightFileImport.Convert(ArchitectureCatalog.Default.Get("googlenet"), path);
            withAux["head.extra"] = zeros(3);
            PyTorchPickler.PickleStateDict(path, withAux);
            var refused = Assert.Throws<Domain.ProblemException>(() => WeightFileImport.Convert(ArchitectureCatalog.Default.Get("googlenet"), path));

            Assert.Equal(withAux.Count - 3, converted.Tensors);
            Assert.Contains("head.extra", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AFileOnlyMatchesItsWholeDigest()
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData("weights"u8));
        var pinned = new PublishedWeightsFile("resnet18", "resnet18-x.pth", sha);

        Assert.True(pinned.IsFullDigest);
        Assert.True(pinned.Matches(sha));
        Assert.False(pinned.Matches(sha[..63] + (sha[63] == '0' ? '1' : '0')));
    }
}
