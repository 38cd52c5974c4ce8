using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// Public datasets through the HTTP API of a separately started <c>vf serve</c>: the catalogue, an import from the
/// administrator's mirror (trusted on loopback) with the dataset's own split kept, a wrong digest failing the job with
/// nothing stored, and an existing name refused at once.
/// </summary>
public sealed class PublicDatasetApiTests
{
    [Fact]
    public async Task APublicDatasetFromTheMirrorBecomesANewDatasetWithItsOwnSplit()
    {
        using var temp = new TempDirectory("vf-public-api");
        var zip = PublicDatasetFiles.HymenopteraZip(perClassTrain: 4, perClassVal: 2);
        var digits = PublicDatasetFiles.MnistFiles();
        using var mirror = new FileServer(new Dictionary<string, byte[]>(digits) { ["hymenoptera_data.zip"] = zip });
        var catalog = temp.Combine("catalog.json");
        PublicDatasetFiles.WriteCatalog(catalog, "hymenoptera", "split-folders-zip",
            new Dictionary<string, byte[]> { ["hymenoptera_data.zip"] = zip }, "https://download.pytorch.org/tutorial");
        var settings = new Dictionary<string, string>
        {
            ["Collect__Public__CatalogFile"] = catalog,
            ["Collect__Public__Mirror"] = mirror.BaseUri.ToString(),
        };
        using var vf = await VfProcess.StartAsync("public", temp.Combine("data"), null, "web", settings);

        var listed = await vf.GetAsync("/api/public-datasets");
        var started = await vf.PostAsync("/api/datasets/bugs/import-jobs", new { @public = "hymenoptera" });
        var done = await WaitAsync(vf, started);
        var dataset = await vf.GetAsync("/api/datasets/bugs");
        using var again = await vf.Client.PostAsJsonAsync("/api/datasets/bugs/import-jobs", new { @public = "hymenoptera" });
        var wrong = await WaitAsync(vf, await vf.PostAsync("/api/datasets/digits/import-jobs", new { @public = "mnist" }));
        using var missing = await vf.Client.GetAsync("/api/datasets/digits");

        Assert.Equal(mirror.BaseUri.ToString(), listed["mirror"]!.GetValue<string>());
        var ids = listed["datasets"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(["cifar10", "cifar100", "mnist", "fashion-mnist", "hymenoptera"], ids);
        Assert.Equal(PublicDatasetFiles.Md5(zip), listed["datasets"]![4]!["files"]![0]!["md5"]!.GetValue<string>());
        Assert.Equal("succeeded", done["state"]!.GetValue<string>());
        var classes = dataset["classes"]!.AsArray();
        Assert.Equal(["ants", "bees"], classes.Select(c => c!["name"]!.GetValue<string>()));
        Assert.All(classes, c => Assert.Equal((6, 2), (c!["images"]!.GetValue<int>(), c["test"]!.GetValue<int>())));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        Assert.Equal("failed", wrong["state"]!.GetValue<string>());
        Assert.Contains("does not match its published MD5 (expected f68b3c2dcbeaaa9fbdd348bbdeb94873", wrong["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static Task<JsonNode> WaitAsync(VfProcess vf, JsonNode job) =>
        Eventually.ValueAsync(
            () => vf.GetAsync($"/api/import-jobs/{job["id"]!.GetValue<string>()}"),
            j => j["state"]!.GetValue<string>() is "succeeded" or "failed" or "cancelled",
            TimeSpan.FromSeconds(60),
            "the import job to finish",
            j => j.ToJsonString() + "\n" + vf.Log);
}
