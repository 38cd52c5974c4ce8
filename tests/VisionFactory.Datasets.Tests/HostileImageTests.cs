using VisionFactory.Datasets.Import;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>
/// An image that lies about its size inside an import (security-and-faults.md, image decoding); the decoder's own defence
/// is tested in Imaging.Tests (Decoding/HostileImageTests).
/// </summary>
public sealed class HostileImageTests
{
    [Fact]
    public async Task PixelFloodInAnImportIsSkippedNamingTheLimit()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("flood");
        SyntheticImages.WriteDataset(source, ["cats", "dogs"], perClass: 3);
        await File.WriteAllBytesAsync(Path.Combine(source, "cats", "flood.png"), HostileImages.PngClaiming(50_000, 50_000));

        var version = await f.Importer.ImportAsync("flood", source, ImportOptions.Default, null, CancellationToken.None);

        var skipped = Assert.Single(version.Import.Skipped);
        Assert.Equal("cats/flood.png", skipped.Path);
        Assert.Contains("50000x50000, larger than the 40 megapixel limit", skipped.Reason, StringComparison.Ordinal);
    }
}
