using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>One host with one tiny dataset and one model trained through the API, shared by the tests that need it.</summary>
public sealed class TrainedModelFixture : IAsyncLifetime
{
    public ServerFactory Factory { get; } = new();

    public TinyImageFolder Images { get; } = TinyImageFolder.Create();

    public JsonNode FinishedRun { get; private set; } = new JsonObject();

    public string ModelId => (string)FinishedRun["model"]!;

    public string RunLocation { get; private set; } = "";

    public async Task InitializeAsync()
    {
        using var client = Factory.CreateClient();
        var import = await client.PostAsync("/api/datasets/colours/imports", Json.Body(new { path = Images.Root }));
        Assert.Equal(HttpStatusCode.Created, import.StatusCode);

        var started = await client.PostAsync(
            "/api/runs", Json.Body(new { dataset = "colours", mode = "head", epochs = 3, batch_size = 8, image_size = 32, threads = 2 }));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var queued = await Json.ReadAsync(started);
        Assert.Equal("queued", (string?)queued["state"]);
        RunLocation = started.Headers.Location!.OriginalString;
        Assert.Equal($"/api/runs/{(string?)queued["id"]}", RunLocation);

        FinishedRun = await Eventually.ValueAsync(
            async () => await Json.ReadAsync(await client.GetAsync(RunLocation)),
            run => (string?)run["state"] is "succeeded" or "failed",
            TimeSpan.FromSeconds(120),
            "the run to finish");
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        Images.Dispose();
    }
}

public sealed class TrainingAndModelsApiTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public void HeadRunOnTinyDatasetSucceedsWithAModel()
    {
        var run = fixture.FinishedRun;

        Assert.True((string?)run["state"] == "succeeded", $"the run ended {run.ToJsonString()}");
        Assert.StartsWith("m-", fixture.ModelId, StringComparison.Ordinal);
        Assert.Equal("colours", (string?)run["dataset"]);
        Assert.Null(run["error"]);
        Assert.NotNull(run["progress"]?["phase"]);
    }

    [Fact]
    public async Task RunsAreListed()
    {
        using var client = fixture.Factory.CreateClient();

        var runs = (await Json.ReadAsync(await client.GetAsync("/api/runs"))).AsArray();

        Assert.Contains(runs, r => (string?)r!["model"] == fixture.ModelId && (string?)r["state"] == "succeeded");
    }

    [Fact]
    public async Task TrainedModelIsListed()
    {
        using var client = fixture.Factory.CreateClient();

        var response = await client.GetAsync("/api/models");

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var listed = (await Json.ReadAsync(response)).AsArray();
        Assert.Contains(listed, m => (string?)m!["id"] == fixture.ModelId && (string?)m["dataset"] == "colours");
    }

    [Fact]
    public async Task TrainedModelIsShownWithSpecAndHistory()
    {
        using var client = fixture.Factory.CreateClient();

        var shown = await Json.ReadAsync(await client.GetAsync($"/api/models/{fixture.ModelId}"));

        Assert.Equal("colours", (string?)shown["dataset"]);
        Assert.Equal(["blue", "green", "red"], shown["classes"]!.AsArray().Select(c => (string)c!));
        Assert.Equal("head", (string?)shown["spec"]!["mode"]);
        Assert.Equal(32, (int)shown["spec"]!["image_size"]!);
        Assert.Equal(3, shown["history"]!.AsArray().Count);
    }

    [Fact]
    public async Task EvaluationIsStoredAndCanBeRecomputed()
    {
        using var client = fixture.Factory.CreateClient();

        var stored = await Json.ReadAsync(await client.GetAsync($"/api/models/{fixture.ModelId}/evaluation"));
        var recomputed = await Json.ReadAsync(await client.GetAsync($"/api/models/{fixture.ModelId}/evaluation?recompute=true"));

        Assert.Equal("test", (string?)stored["split"]);
        Assert.True((int)stored["images"]! > 0);
        Assert.InRange((double)stored["accuracy"]!, 0, 1);
        Assert.Equal(3, stored["confusion_matrix"]!.AsArray().Count);
        Assert.Equal((int)stored["images"]!, (int)recomputed["images"]!);
    }

    [Fact]
    public async Task PredictionsGiveALabelPerImageAndAnErrorForANonImage()
    {
        using var client = fixture.Factory.CreateClient();
        using var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(TinyImageFolder.Image(TinyImageFolder.ThreeClasses[2].Colour, 63));
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(image, "files", "new-red.png");
        form.Add(new ByteArrayContent("not an image at all"u8.ToArray()), "files", "notes.txt");

        var response = await client.PostAsync($"/api/models/{fixture.ModelId}/predictions", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var predictions = (await Json.ReadAsync(response))["predictions"]!.AsArray();
        Assert.Equal(2, predictions.Count);
        var red = predictions[0]!;
        Assert.Equal("new-red.png", (string?)red["file"]);
        Assert.Contains((string?)red["label"], (string[])["blue", "green", "red"]);
        Assert.InRange((double)red["confidence"]!, 0, 1);
        Assert.Equal(3, red["probabilities"]!.AsObject().Count);
        Assert.Null(red["error"]);
        var text = predictions[1]!;
        Assert.Equal("notes.txt", (string?)text["file"]);
        Assert.Null(text["label"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)text["error"]));
    }

    [Fact]
    public async Task EmptyPredictionUploadReturns400ProblemDetails()
    {
        using var client = fixture.Factory.CreateClient();
        using var form = new MultipartFormDataContent { { new StringContent("nothing"), "comment" } };

        var response = await client.PostAsync($"/api/models/{fixture.ModelId}/predictions", form);

        var problem = await Json.ProblemAsync(response, 400);
        Assert.Contains("no images were uploaded", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TooManyPredictionFilesReturns400ProblemDetails()
    {
        using var client = fixture.Factory.CreateClient();
        using var form = new MultipartFormDataContent();
        for (var i = 0; i < 257; i++)
        {
            form.Add(new ByteArrayContent([1]), "files", $"{i}.png");
        }

        var response = await client.PostAsync($"/api/models/{fixture.ModelId}/predictions", form);

        var problem = await Json.ProblemAsync(response, 400);
        Assert.Contains("the limit is 256", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownModelReturns404ProblemDetails()
    {
        using var client = fixture.Factory.CreateClient();

        var shown = await client.GetAsync("/api/models/m-00000000");
        var evaluated = await client.GetAsync("/api/models/m-00000000/evaluation");

        var problem = await Json.ProblemAsync(shown, 404);
        Assert.Contains("model 'm-00000000' does not exist", (string?)problem["detail"], StringComparison.Ordinal);
        await Json.ProblemAsync(evaluated, 404);
    }

    [Fact]
    public async Task UnknownRunReturns404ProblemDetails()
    {
        using var client = fixture.Factory.CreateClient();

        var response = await client.GetAsync("/api/runs/r-00000000");

        var problem = await Json.ProblemAsync(response, 404);
        Assert.Contains("run 'r-00000000' does not exist", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunOnUnknownDatasetReturns404ProblemDetails()
    {
        using var client = fixture.Factory.CreateClient();

        var response = await client.PostAsync("/api/runs", Json.Body(new { dataset = "no-such-dataset" }));

        var problem = await Json.ProblemAsync(response, 404);
        Assert.Contains("'no-such-dataset' does not exist", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunWithoutDatasetReturns400ProblemDetails()
    {
        using var client = fixture.Factory.CreateClient();

        var response = await client.PostAsync("/api/runs", Json.Body(new { epochs = 3 }));

        var problem = await Json.ProblemAsync(response, 400);
        Assert.Contains("'dataset' is required", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunWithInvalidSettingsReturns400WithEveryProblem()
    {
        using var client = fixture.Factory.CreateClient();

        var response = await client.PostAsync("/api/runs", Json.Body(new { dataset = "colours", epochs = 0, image_size = 8 }));

        var detail = (string?)(await Json.ProblemAsync(response, 400))["detail"];
        Assert.Contains("epochs must be between 1 and 10000", detail, StringComparison.Ordinal);
        Assert.Contains("image size must be between 32 and 1024", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunWithMisspelledFieldReturns400NamingIt()
    {
        using var client = fixture.Factory.CreateClient();

        var response = await client.PostAsync("/api/runs", Json.Body(new { dataset = "colours", epoch = 3 }));

        var detail = (string?)(await Json.ProblemAsync(response, 400))["detail"];
        Assert.Contains("'epoch'", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunWithUnknownModeReturns400NamingTheField()
    {
        using var client = fixture.Factory.CreateClient();

        var response = await client.PostAsync("/api/runs", Json.Body(new { dataset = "colours", mode = "everything" }));

        var detail = (string?)(await Json.ProblemAsync(response, 400))["detail"];
        Assert.Contains("the value at $.mode", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunWithEmptyBodyReturns400WithAnExample()
    {
        using var client = fixture.Factory.CreateClient();
        using var empty = new StringContent("", System.Text.Encoding.UTF8, "application/json");

        var response = await client.PostAsync("/api/runs", empty);

        var detail = (string?)(await Json.ProblemAsync(response, 400))["detail"];
        Assert.Contains("the request body is empty", detail, StringComparison.Ordinal);
    }
}
