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
        var (scene, labels) = SyntheticGeoTiff.WriteForestAndWater(cli.Scratch("geo"));

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
        var (scene, labels) = SyntheticGeoTiff.WriteForestAndWater(cli.Scratch("geo"));

        var result = await cli.RunAsync("dataset", "import", "fields", scene, "--geo-labels", labels, "--label-property", "landuse", "--bands", "9,3,2");
        var noLabels = await cli.RunAsync("dataset", "import", "fields", scene);
        var list = await cli.RunJsonAsync("dataset", "list");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("band 9 does not exist", result.Error, StringComparison.Ordinal);
        Assert.Equal(2, noLabels.ExitCode);
        Assert.Contains("--geo-labels", noLabels.Error, StringComparison.Ordinal);
        Assert.Empty(list.GetProperty("datasets").EnumerateArray());
    }
}
