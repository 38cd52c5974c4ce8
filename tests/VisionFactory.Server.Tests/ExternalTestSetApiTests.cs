using System.Net;
using System.Text.Json.Nodes;
using SkiaSharp;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// External test sets through the HTTP API, the way a user meets them: name one for a dataset (refused for itself, for a
/// missing dataset and for classes that do not match), train, and find the model measured on it beside its own test
/// split, with the notice on what a small near-perfect test split promises; evaluate again on demand; clear it.
/// </summary>
public sealed class ExternalTestSetApiTests : IAsyncLifetime, IDisposable
{
    private readonly ServerFactory factory = new();
    private readonly TinyImageFolder colours = TinyImageFolder.Create();
    private TinyImageFolder shifted = null!;
    private TinyImageFolder odd = null!;

    public Task InitializeAsync()
    {
        // "Another source" where the red photos look green: the model cannot get them right, whatever its own test split says.
        shifted = TinyImageFolder.Create(0, TinyImageFolder.ThreeClasses);
        for (var i = 0; i < 8; i++)
        {
            shifted.AddFile($"blue/blue-{i}.png", TinyImageFolder.Image(TinyImageFolder.ThreeClasses[0].Colour, 40 + i));
            shifted.AddFile($"green/green-{i}.png", TinyImageFolder.Image(TinyImageFolder.ThreeClasses[1].Colour, 40 + i));
            shifted.AddFile($"red/red-{i}.png", TinyImageFolder.Image(TinyImageFolder.ThreeClasses[1].Colour, 50 + i));
        }

        odd = TinyImageFolder.Create(4, ("red", new SKColor(220, 30, 30), SKEncodedImageFormat.Png), ("purple", new SKColor(150, 20, 160), SKEncodedImageFormat.Png));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    public void Dispose()
    {
        factory.Dispose();
        colours.Dispose();
        shifted.Dispose();
        odd.Dispose();
    }

    [Fact]
    public async Task ModelIsMeasuredOnTheExternalTestSetBesideItsOwnTestSplit()
    {
        using var client = factory.CreateClient();
        await ImportAsync(client, "colours", colours);
        await ImportAsync(client, "colours-elsewhere", shifted);
        await ImportAsync(client, "odd", odd);

        // Refusals a person can act on.
        var itself = await client.PutAsync("/api/datasets/colours/external-test", Json.Body(new { dataset = "colours" }));
        Assert.Contains("cannot be its own external test set", (string?)(await Json.ProblemAsync(itself, 400))["detail"], StringComparison.Ordinal);
        var mismatch = await client.PutAsync("/api/datasets/colours/external-test", Json.Body(new { dataset = "odd" }));
        Assert.Contains("'purple'", (string?)(await Json.ProblemAsync(mismatch, 400))["detail"], StringComparison.Ordinal);
        await Json.ProblemAsync(await client.PutAsync("/api/datasets/colours/external-test", Json.Body(new { dataset = "nowhere" })), 404);
        await Json.ProblemAsync(await client.PutAsync("/api/datasets/nowhere/external-test", Json.Body(new { dataset = "colours" })), 404);

        var set = await Json.ReadAsync(await client.PutAsync("/api/datasets/colours/external-test", Json.Body(new { dataset = "colours-elsewhere" })));
        Assert.Equal("colours-elsewhere", (string?)set["external_test_set"]);
        Assert.Equal("colours-elsewhere", (string?)(await Json.ReadAsync(await client.GetAsync("/api/datasets/colours/external-test")))["external_test_set"]);
        Assert.Equal("colours-elsewhere", (string?)(await Json.ReadAsync(await client.GetAsync("/api/datasets/colours")))["external_test_set"]);

        var modelId = await TrainAsync(client);
        var model = await Json.ReadAsync(await client.GetAsync($"/api/models/{modelId}"));
        var own = model["evaluation"]!;
        var external = model["external_evaluation"]!;

        Assert.Equal("colours", (string?)own["dataset"]);
        Assert.Equal("colours-elsewhere", (string?)external["dataset"]);
        Assert.Equal("all", (string?)external["split"]);
        Assert.Equal(24, (int)external["images"]!);
        Assert.True((double)own["accuracy"]! >= 0.9, $"the model did not learn the colours: {own.ToJsonString()}");
        // Its "red" photos are green ones: what the model calls green there it cannot call red.
        var recall = external["per_class"]!.AsArray().ToDictionary(c => (string)c!["class"]!, c => (double)c!["recall"]!);
        Assert.True(recall["red"] + recall["green"] <= 1.25, external.ToJsonString());
        Assert.True((double)external["accuracy"]! <= (double)own["accuracy"]! - 0.2, $"own {own["accuracy"]}, external {external["accuracy"]}");

        // The shortcut detector's external part: each class's recall on both sides, and a warning only for red, the class
        // whose pictures look different elsewhere.
        var check = model["external_check"]!;
        Assert.Equal("colours-elsewhere", (string?)check["external_dataset"]);
        var redGap = check["classes"]!.AsArray().Single(c => (string?)c!["class"] == "red")!;
        Assert.Equal(recall["red"], (double)redGap["external_recall"]!, 9);
        Assert.Equal(8, (int)redGap["external_images"]!);
        var warned = check["warnings"]!.AsArray().Select(w => (string)w!).ToList();
        Assert.All(warned, w => Assert.StartsWith("red recall falls from", w, StringComparison.Ordinal));

        // The own test split is a few images: small, and the notice names what it can promise with the exact bound.
        var notice = model["test_notice"]!;
        var images = (int)own["images"]!;
        Assert.Equal(images, (int)notice["images"]!);
        Assert.True((bool)notice["small"]!);
        Assert.True((bool)notice["has_external_test_set"]!);
        var errors = (int)notice["errors"]!;
        Assert.Equal(images - (int)Math.Round((double)own["accuracy"]! * images), errors);
        Assert.True((double)notice["error_rate_upper_bound"]! > (double)errors / images);

        // The same figure on demand, stored again, and as "evaluate on another dataset".
        var again = await Json.ReadAsync(await client.PostAsync($"/api/models/{modelId}/external-evaluation", null));
        var onAnother = await Json.ReadAsync(await client.GetAsync($"/api/models/{modelId}/evaluation?dataset=colours-elsewhere"));
        Assert.Equal((double)external["accuracy"]!, (double)again["accuracy"]!, 9);
        Assert.Equal((double)external["accuracy"]!, (double)onAnother["accuracy"]!, 9);

        // Leaderboards and the model list carry it beside the own test split.
        var board = await Json.ReadAsync(await client.GetAsync("/api/datasets/colours/leaderboard?sort=external_accuracy"));
        var row = Assert.Single(board["models"]!.AsArray());
        Assert.Equal((double)external["accuracy"]!, (double)row!["metrics"]!["external_accuracy"]!, 9);
        Assert.Equal("colours-elsewhere", (string?)row["external_test_set"]);
        Assert.Contains("error rate ≤", (string?)row["test_notice"], StringComparison.Ordinal);
        var listed = (await Json.ReadAsync(await client.GetAsync("/api/models"))).AsArray().Single(m => (string?)m!["id"] == modelId)!;
        Assert.Equal((double)external["accuracy"]!, (double)listed["external_test_accuracy"]!, 9);

        // The pages show the same: the model page beside its own split with the notice and "test on another dataset",
        // and the leaderboard's column (the dataset page loads only once interactive, so it is not prerendered).
        var modelPage = await factory.PageAsync($"/models/{modelId}");
        Assert.Contains("data-testid=\"accuracy-beside\"", modelPage, StringComparison.Ordinal);
        Assert.Contains("External (colours-elsewhere v1)", modelPage, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"test-notice\"", modelPage, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"test-on-dataset\"", modelPage, StringComparison.Ordinal);
        Assert.Equal(warned.Count > 0, modelPage.Contains("data-testid=\"external-gap-warning\"", StringComparison.Ordinal));
        Assert.Contains("(colours-elsewhere)", await factory.PageAsync("/compare"), StringComparison.Ordinal);

        // Cleared: the figure on a set no longer named is forgotten, and on-demand evaluation says what to do.
        Assert.Null((await Json.ReadAsync(await client.DeleteAsync("/api/datasets/colours/external-test")))["external_test_set"]);
        Assert.Null((await Json.ReadAsync(await client.GetAsync($"/api/models/{modelId}")))["external_evaluation"]);
        var none = await client.PostAsync($"/api/models/{modelId}/external-evaluation", null);
        Assert.Contains("has no external test set", (string?)(await Json.ProblemAsync(none, 400))["detail"], StringComparison.Ordinal);
    }

    private static async Task ImportAsync(HttpClient client, string name, TinyImageFolder folder)
    {
        var import = await client.PostAsync($"/api/datasets/{name}/imports", Json.Body(new { path = folder.Root }));
        Assert.True(import.StatusCode == HttpStatusCode.Created, await import.Content.ReadAsStringAsync());
    }

    private static Task<string> TrainAsync(HttpClient client) => TrainedModels.TrainAsync(
        client, new { dataset = "colours", mode = "head", epochs = 30, batch_size = 8, image_size = 32, threads = 2 }, TimeSpan.FromSeconds(300));
}
