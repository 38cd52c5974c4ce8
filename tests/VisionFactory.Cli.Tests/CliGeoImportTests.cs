using System.Globalization;
using VisionFactory.Datasets.Collect.Geo;
using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary><c>vf dataset import</c> of a GeoTIFF scene with polygon labels.</summary>
public sealed class CliGeoImportTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task ASceneWithPolygonLabelsImportsItsChipsAsANewVersion()
    {
        var (scene, labels) = Write(cli.Scratch("geo"));

        var summary = await cli.RunJsonAsync("dataset", "import", "fields", scene, "--geo-labels", labels, "--label-property", "landuse",
            "--chip", "128", "--stride", "128", "--bands", "4,3,2", "--stretch", "2,98");
        var text = await cli.RunAsync("dataset", "import", "fields", scene, "--geo-labels", labels, "--label-property", "landuse", "--chip", "256");

        Assert.Equal(1, summary.GetProperty("version").GetInt32());
        Assert.Equal(16, summary.GetProperty("images").GetInt32());
        Assert.Equal(["forest", "water"], summary.GetProperty("classes").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("version 2", text.Output, StringComparison.Ordinal);
        Assert.Contains("EPSG:32632, bands 1,2,3 stretched", text.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABandTheSceneLacksExitsWith2AndStoresNothing()
    {
        var (scene, labels) = Write(cli.Scratch("geo"));

        var result = await cli.RunAsync("dataset", "import", "fields", scene, "--geo-labels", labels, "--label-property", "landuse", "--bands", "9,3,2");
        var noLabels = await cli.RunAsync("dataset", "import", "fields", scene);
        var list = await cli.RunJsonAsync("dataset", "list");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("band 9 does not exist", result.Error, StringComparison.Ordinal);
        Assert.Equal(2, noLabels.ExitCode);
        Assert.Contains("--geo-labels", noLabels.Error, StringComparison.Ordinal);
        Assert.Empty(list.GetProperty("datasets").EnumerateArray());
    }

    // A 512 px, four-band scene in UTM 32N (10 m pixels) and a GeoJSON (WGS 84) whose left half is forest, right half water.
    private static (string Scene, string Labels) Write(string folder)
    {
        var scene = Path.Combine(folder, "scene.tif");
        SyntheticGeoTiff.Write(scene, new GeoTiffSpec(), (b, x, y) => (b + 1) * (((x * 7) + (y * 13)) % 1000));
        var toWgs84 = GeoCrs.FromEpsg(32632).To(GeoCrs.Wgs84)!;
        string Ring(double from, double to) => string.Join(",", new[] { (from, 100.0), (to, 100.0), (to, -5300.0), (from, -5300.0), (from, 100.0) }
            .Select(p => toWgs84(500_000 + p.Item1, 5_000_000 + p.Item2))
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"[{p.X:R},{p.Y:R}]")));
        string Feature(string label, double from, double to) =>
            $$$"""{"type":"Feature","properties":{"landuse":"{{{label}}}"},"geometry":{"type":"Polygon","coordinates":[[{{{Ring(from, to)}}}]]}}""";
        var labels = Path.Combine(folder, "labels.geojson");
        File.WriteAllText(labels, $$"""{"type":"FeatureCollection","features":[{{Feature("forest", 0, 2560)}},{{Feature("water", 2560, 5120)}}]}""");
        return (scene, labels);
    }
}
