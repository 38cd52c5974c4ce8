using System.Net;
using System.Text.Json.Nodes;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary><c>POST /api/datasets/{name}/import-jobs/geo</c>: a scene on the server cut into labelled chips as a background job.</summary>
public sealed class GeoImportApiTests(ServerFactory factory) : IClassFixture<ServerFactory>, IDisposable
{
    private static readonly int[] Rgb432 = [4, 3, 2];
    private static readonly int[] Rgb732 = [7, 3, 2];

    // Inside the test hosts' Server:ImportRoots.
    private readonly TempDirectory folder = new(Path.Combine("vf-server-tests", "geo"));

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task ASceneOnTheServerIsCutIntoLabelledChipsAsAJob()
    {
        var (scene, labels) = SyntheticGeoTiff.WriteForestAndWater(folder.Path);
        using var client = factory.CreateClient();

        var started = await client.PostAsync("/api/datasets/geo-api/import-jobs/geo", Json.Body(new
        {
            path = scene, labels_path = labels, label_property = "landuse", chip = 128, bands = Rgb432, stretch = "2,98",
        }));

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var job = await Json.ReadAsync(started);
        Assert.Contains("bands 4,3,2", (string?)job["source"], StringComparison.Ordinal);
        var done = await WaitAsync(client, (string)job["id"]!);
        Assert.Equal("succeeded", (string?)done["state"]);
        Assert.Equal(16, (int)done["imported"]!);
        Assert.Equal(16, (int)done["total"]!);
        var dataset = await Json.ReadAsync(await client.GetAsync("/api/datasets/geo-api"));
        Assert.Equal(1, (int)dataset["version"]!);
    }

    [Fact]
    public async Task BadGeoInputIsAProblemAtOnceAndNoJobStarts()
    {
        var (scene, labels) = SyntheticGeoTiff.WriteForestAndWater(folder.Path);
        using var client = factory.CreateClient();

        var band = await client.PostAsync("/api/datasets/geo-bad/import-jobs/geo", Json.Body(new { path = scene, labels_path = labels, label_property = "landuse", bands = Rgb732 }));
        var property = await client.PostAsync("/api/datasets/geo-bad/import-jobs/geo", Json.Body(new { path = scene, labels_path = labels }));
        var outside = await client.PostAsync("/api/datasets/geo-bad/import-jobs/geo", Json.Body(new { path = "/etc/hostname", @class = "x" }));
        var nothing = await client.PostAsync("/api/datasets/geo-bad/import-jobs/geo", Json.Body(new { labels_path = labels }));

        Assert.Contains("band 7 does not exist", (string?)(await Json.ProblemAsync(band, 400))["detail"], StringComparison.Ordinal);
        Assert.Contains("has the property 'class'", (string?)(await Json.ProblemAsync(property, 400))["detail"], StringComparison.Ordinal);
        Assert.Contains("outside the folders allowed", (string?)(await Json.ProblemAsync(outside, 400))["detail"], StringComparison.Ordinal);
        Assert.Contains("give 'path'", (string?)(await Json.ProblemAsync(nothing, 400))["detail"], StringComparison.Ordinal);
        Assert.Empty((await Json.ReadAsync(await client.GetAsync("/api/import-jobs?dataset=geo-bad"))).AsArray());
    }

    private static Task<JsonNode> WaitAsync(HttpClient client, string id) => Eventually.ValueAsync(
        async () => await Json.ReadAsync(await client.GetAsync($"/api/import-jobs/{id}")),
        status => (string?)status["state"] != "running",
        TimeSpan.FromSeconds(30),
        $"import job {id} to finish");
}
