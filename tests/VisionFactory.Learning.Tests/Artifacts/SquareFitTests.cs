using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using SkiaSharp;
using VisionFactory.Domain;
using VisionFactory.Imaging.Caching;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Artifacts;
using VisionFactory.Learning.Native;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Artifacts;

/// <summary>
/// How pictures become the network's square (<see cref="SquareFit"/>): centre crops keep proportions and the middle,
/// new networks use them, cached pixels keep the fits apart, and a stored model keeps the fit it was trained with.
/// </summary>
public sealed class SquareFitTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("vf-fit-").FullName;

    public SquareFitTests() => TorchNativeLibrary.EnsureLoaded();

    /// <summary>A 300 x 100 picture: red left third, green middle, blue right third.</summary>
    private static byte[] Stripes()
    {
        using var bitmap = new SKBitmap(300, 100);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.DrawRect(0, 0, 100, 100, new SKPaint { Color = SKColors.Red });
            canvas.DrawRect(100, 0, 100, 100, new SKPaint { Color = SKColors.Lime });
            canvas.DrawRect(200, 0, 100, 100, new SKPaint { Color = SKColors.Blue });
        }

        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    [Fact]
    public void ACentreCropKeepsTheMiddleAndAStretchKeepsEverything()
    {
        var (_, cropped) = ImageDecoder.DecodeSquare(Stripes(), 30, ImageLimits.Default, SquareFit.CenterCrop);
        var (_, stretched) = ImageDecoder.DecodeSquare(Stripes(), 30, ImageLimits.Default);

        Assert.Equal(30 * 30 * 3, cropped.Length);
        Assert.All(Enumerable.Range(0, 30 * 30), p => Assert.Equal([0, 255, 0], cropped.AsSpan(p * 3, 3).ToArray()));
        Assert.Equal([255, 0, 0], stretched.AsSpan(0, 3).ToArray());
        Assert.Equal([0, 255, 0], stretched.AsSpan(15 * 3, 3).ToArray());
        Assert.Equal([0, 0, 255], stretched.AsSpan(29 * 3, 3).ToArray());
    }

    [Fact]
    public void CachedPixelsOfTheTwoFitsAreKeptApart()
    {
        var cache = new PixelCache(root);
        var sha = new string('a', 64);
        cache.Write(sha, 2, new byte[12], SquareFit.CenterCrop);

        Assert.False(cache.TryRead(sha, 2, out _));
        Assert.True(cache.TryRead(sha, 2, out var rgb, SquareFit.CenterCrop));
        Assert.Equal(12, rgb.Length);
    }

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

    public void Dispose() => Directory.Delete(root, recursive: true);
}
