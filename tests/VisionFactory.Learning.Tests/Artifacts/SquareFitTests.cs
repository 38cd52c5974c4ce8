using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using VisionFactory.Domain;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Artifacts;
using VisionFactory.Learning.Native;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Artifacts;

/// <summary>
/// The networks' side of <see cref="SquareFit"/>: new networks use centre crops, and a stored model keeps the fit it was
/// trained with (the fits themselves are tested in Imaging.Tests).
/// </summary>
public sealed class SquareFitTests
{
    public SquareFitTests() => TorchNativeLibrary.EnsureLoaded();

    [Fact]
    public void NewNetworksCropAndAStoredModelKeepsItsFit()
    {
        using var network = ArchitectureCatalog.Default.Get("small_cnn").Build(2, 32, loadPretrained: false);
        Assert.Equal(SquareFit.CenterCrop, network.Fit);

        var cropped = ModelArtifact.Write(network, "m-crop", ["a", "b"]);
        network.Fit = SquareFit.Stretch;
        var stretched = ModelArtifact.Write(network, "m-stretch", ["a", "b"]);

        Assert.Equal("center-crop", ManifestOf(cropped)["input"]!["fit"]!.GetValue<string>());
        using (var read = ModelArtifact.Read(cropped, "m-crop", ArchitectureCatalog.Default).Network)
        {
            Assert.Equal(SquareFit.CenterCrop, read.Fit);
        }

        using (var read = ModelArtifact.Read(stretched, "m-stretch", ArchitectureCatalog.Default).Network)
        {
            Assert.Equal(SquareFit.Stretch, read.Fit);
        }

        // Models stored before crops have no fit: they were trained on stretched pictures.
        using (var read = ModelArtifact.Read(WithManifest(cropped, m => m["input"]!.AsObject().Remove("fit")), "m-old", ArchitectureCatalog.Default).Network)
        {
            Assert.Equal(SquareFit.Stretch, read.Fit);
        }

        var e = Assert.Throws<ProblemException>(() => ModelArtifact.Read(WithManifest(cropped, m => m["input"]!["fit"] = "zoom"), "m-bad", ArchitectureCatalog.Default));
        Assert.Contains("fit 'zoom'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AZeroHeadGivesEveryClassTheSameScore()
    {
        using var network = ArchitectureCatalog.Default.Get("resnet18").Build(3, 32, loadPretrained: false);
        network.Module.eval();
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        Assert.True(network.Logits(randn(2, 3, 32, 32)).std(1).max().item<float>() > 0);

        network.ZeroHead();

        Assert.Equal(0f, network.Logits(randn(2, 3, 32, 32)).abs().max().item<float>());
    }

    private static JsonNode ManifestOf(byte[] artifact)
    {
        using var zip = new ZipArchive(new MemoryStream(artifact), ZipArchiveMode.Read);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith(".json", StringComparison.Ordinal));
        using var stream = entry.Open();
        return JsonNode.Parse(stream)!;
    }

    private static byte[] WithManifest(byte[] artifact, Action<JsonNode> change)
    {
        using var output = new MemoryStream();
        using (var source = new ZipArchive(new MemoryStream(artifact), ZipArchiveMode.Read))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                using var from = entry.Open();
                using var to = target.CreateEntry(entry.FullName).Open();
                if (entry.FullName.EndsWith(".json", StringComparison.Ordinal))
                {
                    var manifest = JsonNode.Parse(from)!;
                    change(manifest);
                    to.Write(Encoding.UTF8.GetBytes(manifest.ToJsonString()));
                }
                else
                {
                    from.CopyTo(to);
                }
            }
        }

        return output.ToArray();
    }
}
