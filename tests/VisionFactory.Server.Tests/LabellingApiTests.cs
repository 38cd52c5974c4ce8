using System.Net;
using System.Text.Json.Nodes;
using SkiaSharp;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>The unlabelled pool and bulk labelling over HTTP: import-jobs with "unlabelled", POST .../labels, restore.</summary>
public sealed class LabellingApiTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    private static readonly SKColor Yellow = new(230, 220, 20);

    [Fact]
    public async Task PoolImagesAreLabelledRelabelledAndExcludedInOneVersionAndRestoringGoesBack()
    {
        using var client = factory.CreateClient();
        using var images = TinyImageFolder.Create(6);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/datasets/pool/imports", Json.Body(new { path = images.Root }))).StatusCode);
        using var frames = TinyImageFolder.Create(3, ("frames", Yellow, SKEncodedImageFormat.Png));

        var started = await client.PostAsync("/api/datasets/pool/import-jobs", Json.Body(new { path = frames.Root, unlabelled = true }));

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var job = await WaitAsync(client, (string)(await Json.ReadAsync(started))["id"]!);
        Assert.Equal("succeeded", (string?)job["state"]);
        var summary = await Json.ReadAsync(await client.GetAsync("/api/datasets/pool"));
        Assert.Equal(2, (int)summary["version"]!);
        Assert.Equal(18, (int)summary["images"]!);
        Assert.Equal(3, (int)summary["unlabelled"]!);
        Assert.Equal(["blue", "green", "red"], summary["classes"]!.AsArray().Select(c => (string)c!["name"]!));
        var listed = await Json.ReadAsync(await client.GetAsync("/api/datasets/pool/images?split=unlabelled"));
        Assert.Equal(3, (int)listed["total"]!);
        Assert.All(listed["images"]!.AsArray(), i => Assert.Null(i!["class"]));
        Assert.All(listed["images"]!.AsArray(), i => Assert.Equal("pool", (string?)i!["split"]));
        var pool = listed["images"]!.AsArray().Select(i => (string)i!["sha256"]!).ToList();
        var red = await Json.ReadAsync(await client.GetAsync("/api/datasets/pool/images?class=red&take=2"));
        var redSha = (string)red["images"]![0]!["sha256"]!;

        var labelled = await client.PostAsync("/api/datasets/pool/labels", Json.Body(new
        {
            labels = new[] { new { image = pool[0], @class = "yellow" }, new { image = pool[1], @class = "yellow" }, new { image = redSha, @class = "blue" } },
            exclude = new[] { pool[2] },
        }));

        Assert.Equal(HttpStatusCode.Created, labelled.StatusCode);
        var result = await Json.ReadAsync(labelled);
        Assert.Equal(3, (int)result["version"]!);
        Assert.Equal(2, (int)result["previous"]!);
        Assert.Equal(2, (int)result["labelled"]!);
        Assert.Equal(1, (int)result["relabelled"]!);
        Assert.Equal(1, (int)result["excluded"]!);
        Assert.Equal("version 2 with 2 images of the pool labelled (2 'yellow'); 1 image relabelled (1 'red' -> 'blue'); 1 image excluded", (string?)result["summary"]);
        var after = await Json.ReadAsync(await client.GetAsync("/api/datasets/pool"));
        Assert.Equal(0, (int)after["unlabelled"]!);
        Assert.Equal(20, (int)after["images"]!);
        var yellow = after["classes"]!.AsArray().Single(c => (string?)c!["name"] == "yellow")!;
        Assert.Equal(2, (int)yellow["images"]!);
        Assert.Equal(2, (int)yellow["train"]! + (int)yellow["validation"]! + (int)yellow["test"]!);
        Assert.Equal(7, (int)after["classes"]![0]!["images"]!);

        var restored = await client.PostAsync("/api/datasets/pool/versions/2/restore", null);
        Assert.Equal(HttpStatusCode.Created, restored.StatusCode);
        var back = await Json.ReadAsync(restored);
        Assert.Equal(4, (int)back["version"]!);
        Assert.Equal(3, (int)back["unlabelled"]!);
        Assert.Equal(18, (int)back["images"]!);
        Assert.Equal(3, back["classes"]!.AsArray().Count);
    }

    [Fact]
    public async Task BadLabellingRequestsAnswerProblemDetailsAndViewersAreRefused()
    {
        using var client = factory.CreateClient();
        using var images = TinyImageFolder.Create(4);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/datasets/label-bad/imports", Json.Body(new { path = images.Root }))).StatusCode);
        var first = await Json.ReadAsync(await client.GetAsync("/api/datasets/label-bad/images?take=1"));
        var sha = (string)first["images"]![0]!["sha256"]!;

        await AssertProblemAsync(await client.PostAsync("/api/datasets/label-bad/labels", Json.Body(new { labels = Array.Empty<object>() })), HttpStatusCode.BadRequest, "no images were named");
        await AssertProblemAsync(
            await client.PostAsync("/api/datasets/label-bad/labels", Json.Body(new { labels = new[] { new { image = "nowhere.png", @class = "red" } } })),
            HttpStatusCode.NotFound, "'nowhere.png'");
        await AssertProblemAsync(
            await client.PostAsync("/api/datasets/label-bad/labels", Json.Body(new { labels = new[] { new { image = sha, @class = "" } } })),
            HttpStatusCode.BadRequest, "a class name is required");
        await AssertProblemAsync(await client.PostAsync("/api/datasets/label-bad/versions/1/restore", null), HttpStatusCode.BadRequest, "nothing to go back to");
        await AssertProblemAsync(await client.PostAsync("/api/datasets/label-bad/versions/9/restore", null), HttpStatusCode.NotFound, "has no version 9");
        await AssertProblemAsync(await client.PostAsync("/api/datasets/nope/labels", Json.Body(new { labels = new[] { new { image = sha, @class = "red" } } })), HttpStatusCode.NotFound, "'nope' does not exist");

        using var viewer = await factory.CreateClientWithRoleAsync("viewer");
        var refused = await viewer.PostAsync("/api/datasets/label-bad/labels", Json.Body(new { labels = new[] { new { image = sha, @class = "red" } } }));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(1, (int)(await Json.ReadAsync(await client.GetAsync("/api/datasets/label-bad")))["version"]!);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string says)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await Json.ReadAsync(response);
        Assert.Contains(says, (string?)problem["detail"], StringComparison.Ordinal);
    }

    private static Task<JsonNode> WaitAsync(HttpClient client, string id) => Eventually.ValueAsync(
        async () => await Json.ReadAsync(await client.GetAsync($"/api/import-jobs/{id}")),
        status => (bool)status["finished"]!,
        TimeSpan.FromSeconds(30),
        $"import job {id} to finish");
}
