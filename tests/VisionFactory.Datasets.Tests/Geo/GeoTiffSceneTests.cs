using VisionFactory.Datasets.Collect.Geo;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests.Geo;

/// <summary>Reading GeoTIFF scenes: georeferencing tags, tiled / striped / planar layouts, band triples and the stretch.</summary>
public sealed class GeoTiffSceneTests : IDisposable
{
    private readonly TempDirectory temp = new("vf-geo");

    public void Dispose() => temp.Dispose();

    [Fact]
    public void TiepointAndPixelScaleGiveTheTransformAndTheUtmCrs()
    {
        var path = GeoTestScenes.Write(temp.Path, "scene.tif", new GeoTiffSpec());

        using var scene = GeoScene.Open(path, GeoLimits.Default);

        Assert.Equal(GeoTestScenes.Grid, scene.Transform);
        Assert.Equal(32632, scene.Crs!.Epsg);
        Assert.Equal((512, 512, 4), (scene.Width, scene.Height, scene.Bands.Count));
        var file = Assert.Single(scene.Files);
        Assert.True(file.Tiled);
        Assert.Equal(SampleKind.Unsigned16, file.Kind);
        Assert.Equal((500_000 + 2560.0, 5_000_000 - 1280.0), scene.Transform!.Value.ToWorld(256, 128));
    }

    [Fact]
    public void TransformationMatrixAndGeographicCrsAreRead()
    {
        var rotated = new GeoTransform(9.0, 0.0001, 0.00002, 45.5, 0.00001, -0.0001);
        var path = GeoTestScenes.Write(temp.Path, "rotated.tif", new GeoTiffSpec { Transform = rotated, Crs = GeoCrs.Wgs84, Bands = 1, Kind = SampleKind.Unsigned8, Tile = 0 });

        using var scene = GeoScene.Open(path, GeoLimits.Default);

        Assert.Equal(rotated, scene.Transform);
        Assert.Equal(4326, scene.Crs!.Epsg);
        Assert.True(scene.Crs.IsGeographic);
        Assert.False(scene.Files[0].Tiled);
    }

    [Fact]
    public void TiledStripedAndPlanarScenesGiveIdenticalChips()
    {
        var tiled = GeoTestScenes.Write(temp.Path, "tiled.tif", new GeoTiffSpec { Tile = 256, Compression = BitMiracle.LibTiff.Classic.Compression.LZW });
        var striped = GeoTestScenes.Write(temp.Path, "striped.tif", new GeoTiffSpec { Tile = 0, RowsPerStrip = 7, Compression = BitMiracle.LibTiff.Classic.Compression.ADOBE_DEFLATE });
        var planar = GeoTestScenes.Write(temp.Path, "planar.tif", new GeoTiffSpec { Tile = 128, Planar = true });
        var options = GeoChipOptions.Default with { Size = 100, Stride = 75, KeepPartial = true, Bands = [4, 3, 2] };

        var chips = new[] { tiled, striped, planar }.Select(path =>
        {
            using var scene = GeoScene.Open(path, GeoLimits.Default);
            var chipper = new SceneChipper(scene, options);
            return chipper.Grid(out _).Select(c => (c, chipper.Cut(c).Rgb)).ToList();
        }).ToList();

        Assert.Equal(49, chips[0].Count);
        for (var i = 1; i < chips.Count; i++)
        {
            Assert.Equal(chips[0].Select(c => c.c), chips[i].Select(c => c.c));
            for (var c = 0; c < chips[0].Count; c++)
            {
                Assert.True(chips[0][c].Rgb.AsSpan().SequenceEqual(chips[i][c].Rgb), $"chip {chips[0][c].c} differs in layout {i}");
            }
        }
    }

    [Fact]
    public void ChipsCutInParallelThroughATinyTileCacheEqualThoseCutThroughALargeOne()
    {
        var path = GeoTestScenes.Write(temp.Path, "tiled.tif", new GeoTiffSpec { Tile = 64 });
        var options = GeoChipOptions.Default with { Size = 96, Stride = 40, Bands = [4, 3, 2] };
        using var roomy = GeoScene.Open(path, GeoLimits.Default);
        using var tiny = GeoScene.Open(path, GeoLimits.Default with { CacheBytes = 1 });
        var expected = new SceneChipper(roomy, options);
        var squeezed = new SceneChipper(tiny, options);
        var grid = expected.Grid(out _);

        var cut = new byte[grid.Count][];
        Parallel.For(0, grid.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => cut[i] = squeezed.Cut(grid[i]).Rgb);

        for (var i = 0; i < grid.Count; i++)
        {
            Assert.True(expected.Cut(grid[i]).Rgb.AsSpan().SequenceEqual(cut[i]), $"chip {grid[i]} differs");
        }

        Assert.True(tiny.Files[0].Decodes > roomy.Files[0].Decodes, "the tiny cache should have decoded tiles again");
    }

    [Fact]
    public void BandTripleAndPercentileStretchMapTheChosenBandsAlikeInEveryChip()
    {
        var path = GeoTestScenes.Write(temp.Path, "scene.tif", new GeoTiffSpec());
        using var scene = GeoScene.Open(path, GeoLimits.Default);

        var chipper = new SceneChipper(scene, GeoChipOptions.Default with { Size = 100, Bands = [4, 1, 2] });
        var first = chipper.Cut(new ChipWindow(0, 0)).Rgb;
        var third = chipper.Cut(new ChipWindow(200, 0)).Rgb;

        // Band 4 is 1000 + 10 (x mod 100): its 2nd and 98th percentiles are about 1020 and 1970.
        Assert.InRange(chipper.Stretches[0].Low, 1000, 1040);
        Assert.InRange(chipper.Stretches[0].High, 1950, 1990);
        byte Red(byte[] rgb, int x, int y) => rgb[((y * 100) + x) * 3];
        Assert.Equal(0, Red(first, 0, 10));
        Assert.Equal(255, Red(first, 99, 10));
        Assert.InRange(Red(first, 50, 10), 120, 140);
        // Same values, same colours: the stretch belongs to the scene, not to the chip.
        Assert.Equal(Enumerable.Range(0, 100).Select(x => Red(first, x, 5)), Enumerable.Range(0, 100).Select(x => Red(third, x, 5)));
        // Green is band 1 (50 x), rising along x; blue is band 2 (50 y), constant along a row.
        Assert.True(first[(((10 * 100) + 90) * 3) + 1] > first[(((10 * 100) + 20) * 3) + 1]);
        Assert.Equal(first[(((10 * 100) + 3) * 3) + 2], first[(((10 * 100) + 97) * 3) + 2]);
        Assert.Equal([4, 1, 2], chipper.BandNumbers);
    }

    [Fact]
    public void FloatScenesAreStretchedAndNoDataIsCounted()
    {
        var path = GeoTestScenes.Write(temp.Path, "float.tif", new GeoTiffSpec { Bands = 1, Kind = SampleKind.Real32, Tile = 0, RowsPerStrip = 32 },
            (_, x, y) => x < 128 && y < 128 ? double.NaN : x / 512.0);
        using var scene = GeoScene.Open(path, GeoLimits.Default);

        var chipper = new SceneChipper(scene, GeoChipOptions.Default with { Size = 128, Stretch = false });

        Assert.Equal(1.0, chipper.Cut(new ChipWindow(0, 0)).NoDataShare);
        var chip = chipper.Cut(new ChipWindow(256, 0));
        Assert.Equal(0.0, chip.NoDataShare);
        Assert.Equal(128, chip.Rgb[0]);
        Assert.Equal(chip.Rgb[0], chip.Rgb[1]);
    }
}
