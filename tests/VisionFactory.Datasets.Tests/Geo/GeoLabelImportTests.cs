using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Esri;
using ProjNet.CoordinateSystems;
using VisionFactory.Datasets.Collect.Geo;
using VisionFactory.Domain;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests.Geo;

/// <summary>Geo imports: chips labelled by the polygons that cover them most, after moving the polygons into the scene's CRS.</summary>
public sealed class GeoLabelImportTests : IDisposable
{
    private readonly TempDirectory temp = new("vf-geo");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Wgs84PolygonsLabelTheChipsOfAUtmSceneByLargestOverlap()
    {
        await using var f = await ImportFixture.CreateAsync();
        var scene = GeoTestScenes.Write(temp.Path, "scene.tif", new GeoTiffSpec());
        // Forest covers the left chips wholly and 17% of the right ones; water the other 83%; a field 10% of the left.
        var labels = GeoTestScenes.LabelsGeoJson(temp.Path, "landuse", ("forest", 0, 3000), ("water", 3000, 5120), ("field", 0, 256));

        using var source = GeoSource.Open([scene], new GeoImportOptions
        {
            Chips = GeoChipOptions.Default with { Size = 256, Bands = [4, 3, 2] },
            LabelsPath = labels,
            LabelProperty = "landuse",
        });
        var version = await f.Importer.ImportFromAsync("geo", source, null, Import.ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(["forest", "water"], version.Classes);
        var byPath = version.Items.ToDictionary(i => i.SourcePath, i => version.Classes[i.ClassIndex]);
        Assert.Equal("forest", byPath["forest/scene_x0_y0.png"]);
        Assert.Equal("forest", byPath["forest/scene_x0_y256.png"]);
        Assert.Equal("water", byPath["water/scene_x256_y0.png"]);
        Assert.Equal("water", byPath["water/scene_x256_y256.png"]);
        Assert.All(version.Items, i => Assert.Equal((256, 256), (i.Width, i.Height)));
        Assert.Contains("bands 4,3,2", version.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChipsBelowTheLeastOverlapAreSkippedOrKeptAsUnlabelled()
    {
        await using var f = await ImportFixture.CreateAsync();
        var scene = GeoTestScenes.Write(temp.Path, "scene.tif", new GeoTiffSpec { Width = 600 });
        var labels = GeoTestScenes.LabelsGeoJson(temp.Path, "class", ("forest", 0, 3000), ("water", 3000, 6000));
        var options = new GeoImportOptions { Chips = GeoChipOptions.Default with { Size = 256 }, LabelsPath = labels, MinOverlap = 0.9 };

        using var strict = GeoSource.Open([scene], options);
        var skipped = await f.Importer.ImportFromAsync("strict", strict, null, Import.ImportOptions.Default with { }, null, CancellationToken.None)
            .ContinueWith(t => t.Exception?.InnerException, TaskScheduler.Default);
        using var kept = GeoSource.Open([scene], options with { KeepUnlabelled = true });
        var version = await f.Importer.ImportFromAsync("kept", kept, null, Import.ImportOptions.Default, null, CancellationToken.None);

        // Left chips are all forest; the right ones are 83% water, below 90%; the 88 px on the right edge make no whole chip.
        Assert.Contains(strict.Refused, r => r.Path == "scene_x256_y0.png" && r.Reason.Contains("'water' covers only 82.8%", StringComparison.Ordinal));
        Assert.Contains(strict.Refused, r => r.Path == "scene_x512_y0.png" && r.Reason.Contains("partial chip", StringComparison.Ordinal));
        Assert.IsType<ProblemException>(skipped);
        Assert.Contains("only one class", skipped!.Message, StringComparison.Ordinal);
        Assert.Equal(["forest", "unlabelled"], version.Classes);
        Assert.Equal(4, version.Items.Count);
    }

    [Fact]
    public async Task AShapefileIsReadInTheCrsItsPrjDescribes()
    {
        await using var f = await ImportFixture.CreateAsync();
        var scene = GeoTestScenes.Write(temp.Path, "scene.tif", new GeoTiffSpec());
        var toWgs84 = GeoTestScenes.Utm32.To(GeoCrs.Wgs84)!;
        var factory = new GeometryFactory();
        Feature Strip(string label, double from, double to) => new(
            factory.CreatePolygon(GeoTestScenes.Rectangle(from, to).Select(p => toWgs84(p.X, p.Y)).Select(p => new Coordinate(p.X, p.Y)).ToArray()),
            new AttributesTable { { "cover", label } });
        var shp = Path.Combine(temp.Path, "cover.shp");
        Shapefile.WriteAllFeatures([Strip("bare", 0, 2560), Strip("crops", 2560, 5120)], shp, GeographicCoordinateSystem.WGS84.WKT);

        using var source = GeoSource.Open([scene], new GeoImportOptions { Chips = GeoChipOptions.Default with { Size = 256 }, LabelsPath = shp, LabelProperty = "cover" });
        var version = await f.Importer.ImportFromAsync("shp", source, null, Import.ImportOptions.Default, null, CancellationToken.None);

        Assert.True(File.Exists(Path.ChangeExtension(shp, ".prj")));
        Assert.Equal(["bare", "crops"], version.Classes);
        Assert.Equal(2, version.Items.Count(i => i.ClassIndex == 0));
        Assert.Contains(version.Items, i => i.SourcePath == "crops/scene_x256_y256.png");
    }

    [Fact]
    public async Task ChipsMostlyWithoutDataAreSkippedWithTheReason()
    {
        await using var f = await ImportFixture.CreateAsync();
        var scene = GeoTestScenes.Write(temp.Path, "edge.tif", new GeoTiffSpec { NoData = 0 },
            (b, x, y) => x + y < 300 ? 0 : GeoTestScenes.Value(b, x, y));
        var labels = GeoTestScenes.LabelsGeoJson(temp.Path, "class", ("forest", 0, 2560), ("water", 2560, 5120));

        using var source = GeoSource.Open([scene], new GeoImportOptions { Chips = GeoChipOptions.Default with { Size = 256 }, LabelsPath = labels });
        var version = await f.Importer.ImportFromAsync("edge", source, null, Import.ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(3, version.Items.Count);
        var skip = Assert.Single(version.Import.Skipped);
        Assert.Equal("forest/edge_x0_y0.png", skip.Path);
        Assert.Contains("holds no data", skip.Reason, StringComparison.Ordinal);
    }
}
