using System.Buffers.Binary;
using VisionFactory.Datasets.Collect.Geo;
using VisionFactory.Domain;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests.Geo;

/// <summary>Hostile or mistaken geo input: refused with a message naming the problem, before pixels are allocated, nothing imported.</summary>
public sealed class HostileGeoTests : IDisposable
{
    private readonly TempDirectory temp = new("vf-geo");

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(3_000_000_000u, 3_000_000_000u, 4, "3,000,000,000x3,000,000,000 pixels")]
    [InlineData(100_000u, 100_000u, 4, "100,000x100,000 pixels")]
    [InlineData(512u, 512u, 60_000, "60,000 bands")]
    public void AbsurdHeaderNumbersAreRefusedBeforeLibTiffOpensTheFile(uint width, uint height, int bands, string expected)
    {
        var path = Path.Combine(temp.Path, "hostile.tif");
        File.WriteAllBytes(path, ClassicTiff(width, height, (ushort)bands));

        var e = Assert.Throws<ProblemException>(() => GeoScene.Open(path, GeoLimits.Default with { MaxPixels = 1_000_000_000 }));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("hostile.tif", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotATiffAndHugeStripsAreRefusedByName()
    {
        var html = Path.Combine(temp.Path, "page.tif");
        File.WriteAllText(html, "<html><body>not a scene</body></html>");
        var striped = GeoTestScenes.Write(temp.Path, "one-strip.tif", new GeoTiffSpec { Tile = 0, RowsPerStrip = 512 });

        var notTiff = Assert.Throws<ProblemException>(() => GeoScene.Open(html, GeoLimits.Default));
        var strip = Assert.Throws<ProblemException>(() => GeoScene.Open(striped, GeoLimits.Default with { MaxBlockBytes = 1 << 20 }));

        Assert.Contains("'page.tif' is not a TIFF file", notTiff.Message, StringComparison.Ordinal);
        Assert.Contains("512 rows per strip", strip.Message, StringComparison.Ordinal);
        Assert.Contains("TILED=YES", strip.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABandOutsideTheSceneIsNamedWithTheBandsThereAre()
    {
        var path = GeoTestScenes.Write(temp.Path, "four.tif", new GeoTiffSpec());
        using var scene = GeoScene.Open(path, GeoLimits.Default);

        var e = Assert.Throws<ProblemException>(() => new SceneChipper(scene, GeoChipOptions.Default with { Bands = [8, 4, 3] }));
        var parse = Assert.Throws<ProblemException>(() => GeoChipOptions.ParseBands("4,x,2"));

        Assert.Contains("band 8 does not exist: 'four' has 4 bands (1-4)", e.Message, StringComparison.Ordinal);
        Assert.Contains("'x' in --bands", parse.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LabelsWithoutTheChosenPropertyStopTheImportBeforeAnythingIsStored()
    {
        await using var f = await ImportFixture.CreateAsync();
        var scene = GeoTestScenes.Write(temp.Path, "scene.tif", new GeoTiffSpec());
        var labels = GeoTestScenes.LabelsGeoJson(temp.Path, "landuse", ("forest", 0, 2560), ("water", 2560, 5120));

        var e = await Assert.ThrowsAsync<ProblemException>(() => GeoImport.OpenAsync(
            [scene], new GeoImportOptions { LabelsPath = labels, LabelProperty = "class" }, null, Collect.Web.WebCollectOptions.Default, temp.Path, CancellationToken.None));

        Assert.Contains("no feature in 'labels.geojson' has the property 'class'; its features have: id, landuse", e.Message, StringComparison.Ordinal);
        Assert.Empty(f.Db.Datasets);
        Assert.False(Directory.Exists(f.Data.BlobsPath) && Directory.EnumerateFiles(f.Data.BlobsPath, "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public void LabelsThatMissTheSceneSayWhichSystemsWereCompared()
    {
        var scene = GeoTestScenes.Write(temp.Path, "scene.tif", new GeoTiffSpec());
        var far = Path.Combine(temp.Path, "far.geojson");
        File.WriteAllText(far, """{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"class":"sea"},"geometry":{"type":"Polygon","coordinates":[[[-30,10],[-29,10],[-29,11],[-30,11],[-30,10]]]}}]}""");

        var e = Assert.Throws<ProblemException>(() => GeoSource.Open([scene], new GeoImportOptions { LabelsPath = far }));

        Assert.Contains("no chip is covered by the polygons of 'far.geojson'", e.Message, StringComparison.Ordinal);
        Assert.Contains("EPSG:32632", e.Message, StringComparison.Ordinal);
        Assert.Contains("EPSG:4326", e.Message, StringComparison.Ordinal);
    }

    // A little-endian classic TIFF whose directory claims the given size and band count, with no pixel data at all.
    private static byte[] ClassicTiff(uint width, uint height, ushort bands)
    {
        var bytes = new byte[8 + 2 + (6 * 12) + 4];
        "II"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), 6);
        var entries = new (ushort Tag, ushort Type, uint Value)[] { (256, 4, width), (257, 4, height), (258, 3, 16), (277, 3, bands), (322, 3, 256), (323, 3, 256) };
        for (var i = 0; i < entries.Length; i++)
        {
            var at = bytes.AsSpan(10 + (i * 12));
            BinaryPrimitives.WriteUInt16LittleEndian(at, entries[i].Tag);
            BinaryPrimitives.WriteUInt16LittleEndian(at[2..], entries[i].Type);
            BinaryPrimitives.WriteUInt32LittleEndian(at[4..], 1);
            if (entries[i].Type == 3)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(at[8..], (ushort)entries[i].Value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(at[8..], entries[i].Value);
            }
        }

        return bytes;
    }
}
