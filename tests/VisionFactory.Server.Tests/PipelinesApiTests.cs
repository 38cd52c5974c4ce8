using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using VisionFactory.Domain.Models;
using VisionFactory.Storage.Database;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>A host with a tiny model trained through the API, and prediction settings that make the queue observable.</summary>
public class PipelineHostFixture : IAsyncLifetime
{
    public PipelineHostFixture()
        : this(new Dictionary<string, string>
        {
            ["Pipelines:PredictQueueCapacity"] = "2",
            ["Pipelines:PredictMaxBatch"] = "8",
            ["Pipelines:PredictBatchWindowMs"] = "150",

            // A budget long enough that the queue's capacity, not the measured rate, is what refuses here.
            ["Pipelines:PredictLatencyBudgetMs"] = "60000",
        })
    {
    }

    /// <summary>The same host and model with other host settings.</summary>
    protected PipelineHostFixture(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var (key, value) in settings)
        {
            Factory.Settings[key] = value;
        }
    }

    // The test cameras are on loopback: the administrator allows that range for cameras.
    public ServerFactory Factory { get; } = new() { Settings = { ["Pipelines:CameraAllowedNetworks:0"] = "127.0.0.0/8" } };

    public TinyImageFolder Images { get; } = TinyImageFolder.Create();

    public string ModelId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        using var client = Factory.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/datasets/colours/imports", Json.Body(new { path = Images.Root }))).StatusCode);
        ModelId = await TrainedModels.TrainAsync(
            client, new { dataset = "colours", mode = "head", epochs = 3, batch_size = 8, image_size = 32, threads = 2 }, TimeSpan.FromSeconds(120));
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        Images.Dispose();
    }
}

public sealed class PipelinesApiTests(PipelineHostFixture fixture) : IClassFixture<PipelineHostFixture>
{
    private static readonly string[] Colours = ["blue", "green", "red"];

    [Fact]
    public async Task CatalogListsEveryComponentWithItsKindAndSchema()
    {
        using var client = fixture.Factory.CreateClient();
        var catalog = (await Json.ReadAsync(await client.GetAsync("/api/pipelines/catalog"))).AsArray();
        var camera = catalog.Single(c => (string?)c!["id"] == "mjpeg_camera")!;
        Assert.Equal("source", (string?)camera["kind"]);
        Assert.Equal("object", (string?)camera["settings_schema"]!["type"]);
        Assert.Equal(["source", "processor", "sink"], catalog.Select(c => (string)c!["kind"]!).Distinct());
    }

    [Fact]
    public async Task APipelineIsSavedVersionedStartedReadAndStopped()
    {
        using var client = fixture.Factory.CreateClient();
        var frames = Enumerable.Range(0, 10).Select(i => SyntheticImages.Encode(i % 2, i, 64, SKEncodedImageFormat.Jpeg)).ToList();
        await using var camera = await MjpegTestServer.StartAsync(frames, fps: 20);

        var invalid = await client.PostAsync("/api/pipelines", Json.Body(new
        {
            name = "door",
            steps = new object[]
            {
                new { component = "mjpeg_camera", settings = new { url = camera.StreamUrl.ToString() } },
                new { id = "faces", component = "face_detection", settings = new { score_threshold = 3 } },
                new { component = "results_store" },
            },
        }));
        var problem = await Json.ProblemAsync(invalid, 400);
        Assert.Contains("step 2 'faces' (face_detection): Minimum face score (setting 'score_threshold') must be at most 1, not 3", (string?)problem["detail"], StringComparison.Ordinal);

        var yaml = $"""
            name: door
            steps:
              - component: mjpeg_camera
                settings: {"{"} url: "{camera.StreamUrl}" {"}"}
              - component: classify
                settings: {"{"} model: {fixture.ModelId} {"}"}
              - component: results_store
            """;
        var first = await client.PostAsync("/api/pipelines", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(1, (int)(await Json.ReadAsync(first))["version"]!);
        var second = await Json.ReadAsync(await client.PostAsync("/api/pipelines", new StringContent(yaml, Encoding.UTF8, "application/yaml")));
        Assert.Equal(2, (int)second["version"]!);
        Assert.Equal([1, 2], second["versions"]!.AsArray().Select(v => (int)v!));

        var started = await client.PostAsync("/api/pipelines/door/start", null);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        await Json.ProblemAsync(await client.PostAsync("/api/pipelines/door/start", null), 409);
        // Other tests of this class save pipelines of their own into the same host.
        Assert.True((bool)(await Json.ReadAsync(await client.GetAsync("/api/pipelines"))).AsArray().Single(p => (string?)p!["name"] == "door")!["running"]!);

        var page = await Eventually.ValueAsync(
            async () => await Json.ReadAsync(await client.GetAsync("/api/pipelines/door/results?limit=5")),
            results => results["results"]!.AsArray().Count >= 5,
            TimeSpan.FromSeconds(30),
            "five stored results of 'door'");

        var newest = page["results"]!.AsArray()[0]!;
        Assert.Equal(2, (int)newest["version"]!);
        var label = (string?)newest["top_label"];
        Assert.Contains(label, Colours);
        var thumbnail = await client.GetAsync((string)newest["thumbnail_url"]!);
        Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType?.MediaType);

        var metrics = await Json.ReadAsync(await client.GetAsync("/api/pipelines/door/metrics"));
        Assert.True((bool)metrics["running"]!);
        Assert.Equal(["mjpeg_camera", "classify", "results_store"], metrics["metrics"]!["steps"]!.AsArray().Select(s => (string)s!["step"]!));
        var counts = (await Json.ReadAsync(await client.GetAsync("/api/pipelines/door/label-counts"))).AsArray();
        Assert.True(counts.Sum(c => (int)c!["frames"]!) >= 5);

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/pipelines/door/stop", null)).StatusCode);
        await Json.ProblemAsync(await client.PostAsync("/api/pipelines/door/stop", null), 409);
        Assert.False((bool)(await Json.ReadAsync(await client.GetAsync("/api/pipelines/door/metrics")))["running"]!);
        await Json.ProblemAsync(await client.GetAsync("/api/pipelines/nobody/results"), 404);
    }

    [Fact]
    public async Task SavingWithoutAModelAnswersAProblemThatAsksForTheModelOfTheNamedStep()
    {
        using var client = fixture.Factory.CreateClient();

        var refused = await client.PostAsync("/api/pipelines", Json.Body(new
        {
            name = "no-model",
            steps = new object[]
            {
                new { component = "mjpeg_camera", settings = new { url = "http://camera.local/video.mjpg" } },
                new { component = "classify", settings = new { per_face = true } },
                new { component = "results_store" },
            },
        }));

        var problem = await Json.ProblemAsync(refused, 400);
        var detail = (string?)problem["detail"];
        Assert.Contains("step 2 'classify' (classify): needs a model (setting 'model'): choose one", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Required properties", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SavingAFolderPipelineWarnsThatStartWillBeRefusedAndHowToAllowTheFolder()
    {
        using var client = fixture.Factory.CreateClient();
        var folder = Path.Combine(Path.GetTempPath(), "vf-server-tests", "cameras-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(folder);

        var saved = await client.PostAsync("/api/pipelines", Json.Body(new
        {
            name = "cameras",
            steps = new object[] { new { component = "folder_watch", settings = new { path = folder } }, new { component = "results_store" } },
        }));

        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        var warning = (string)Assert.Single((await Json.ReadAsync(saved))["warnings"]!.AsArray())!;
        Assert.StartsWith("step 1 'folder_watch' (folder_watch): Start will be refused: path: this server reads no folders for pipelines", warning, StringComparison.Ordinal);
        Assert.Contains($"Pipelines__FolderRoots__0={folder}", warning, StringComparison.Ordinal);
        Assert.Contains("appsettings.json", warning, StringComparison.Ordinal);
        var listed = (await Json.ReadAsync(await client.GetAsync("/api/pipelines/cameras")))["warnings"]!.AsArray();
        Assert.Equal(warning, (string?)Assert.Single(listed));

        // Start refuses it in the same words.
        var refused = await Json.ProblemAsync(await client.PostAsync("/api/pipelines/cameras/start", null), 400);
        Assert.Contains(warning[warning.IndexOf("path: ", StringComparison.Ordinal)..], (string?)refused["detail"], StringComparison.Ordinal);
        Directory.Delete(folder);
    }

    [Fact]
    public async Task AServerReadsNoFoldersForPipelinesUnlessAnAdministratorAllowsThem()
    {
        using var client = fixture.Factory.CreateClient();
        var saved = await client.PostAsync("/api/pipelines", Json.Body(new
        {
            name = "inbox",
            steps = new object[] { new { component = "folder_watch", settings = new { path = "/etc" } }, new { component = "results_store" } },
        }));
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        var refused = await Json.ProblemAsync(await client.PostAsync("/api/pipelines/inbox/start", null), 400);
        Assert.Contains("Pipelines:FolderRoots", (string?)refused["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task PredictAnswersOneImageBatchesConcurrentRequestsAndRefusesWith429WhenTheQueueIsFull()
    {
        using var client = fixture.Factory.CreateClient();
        var image = TinyImageFolder.Image(TinyImageFolder.ThreeClasses[2].Colour, 3);
        using var form = new MultipartFormDataContent { { new ByteArrayContent(image), "files", "red.png" } };
        var direct = (await Json.ReadAsync(await client.PostAsync($"/api/models/{fixture.ModelId}/predictions", form)))["predictions"]![0]!;
        var label = (string)direct["label"]!;
        Assert.Contains(label, Colours);
        using (var content = new ByteArrayContent(image))
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            var one = await Json.ReadAsync(await client.PostAsync($"/api/predict?model={fixture.ModelId}", content));
            Assert.Equal(label, (string?)one["label"]);
            Assert.Equal((double)direct["confidence"]!, (double)one["confidence"]!, 0.001);
        }

        await Json.ProblemAsync(await client.PostAsync("/api/predict", new ByteArrayContent(image)), 400);
        await Json.ProblemAsync(await client.PostAsync("/api/predict?model=m-00000000", new ByteArrayContent(image)), 404);

        // 40 at once against a queue of 2: some are served (in batches), the rest refused at once with 429.
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            using var content = new ByteArrayContent(image);
            return await client.PostAsync($"/api/predict?model={fixture.ModelId}", content);
        }));
        var served = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(40, served + refused.Count);
        Assert.True(served >= 2, $"{served} requests were served");
        Assert.NotEmpty(refused);
        var problem = await Json.ProblemAsync(refused[0], 429);
        Assert.Contains("queue is full", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal("1", refused[0].Headers.RetryAfter?.ToString());
        foreach (var ok in responses.Where(r => r.StatusCode == HttpStatusCode.OK))
        {
            Assert.Equal(label, (string?)(await Json.ReadAsync(ok))["label"]);
        }
    }

    [Fact]
    public async Task OperatePagesRenderTheCatalogTheBuilderAndTheDashboard()
    {
        using var client = fixture.Factory.CreateClient();
        var saved = await client.PostAsync("/api/pipelines", Json.Body(new
        {
            name = "lobby",
            steps = new object[]
            {
                new { component = "http_snapshot", settings = new { url = "http://camera.invalid/snapshot.jpg" } },
                new { component = "classify", settings = new { model = fixture.ModelId } },
                new { component = "results_store" },
            },
        }));
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);

        var operate = await fixture.Factory.PageAsync("/operate");
        Assert.Contains("href=\"/operate/catalog\"", operate, StringComparison.Ordinal);
        var catalog = await fixture.Factory.PageAsync("/operate/catalog");
        Assert.Contains("data-testid=\"catalog\"", catalog, StringComparison.Ordinal);
        Assert.Contains("href=\"/operate/pipelines/lobby\"", operate, StringComparison.Ordinal);
        Assert.Contains("<code>face_detection</code>", catalog, StringComparison.Ordinal);

        var builder = await fixture.Factory.PageAsync("/operate/pipelines/lobby/edit");
        Assert.Contains("data-testid=\"step-3\"", builder, StringComparison.Ordinal);
        Assert.Contains("id=\"setting-1-interval_ms\"", builder, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"model-assistant\"", builder, StringComparison.Ordinal);

        var fresh = await fixture.Factory.PageAsync("/operate/pipelines/new");
        Assert.Contains("id=\"setting-1-url\"", fresh, StringComparison.Ordinal);

        var dashboard = await fixture.Factory.PageAsync("/operate/pipelines/lobby");
        Assert.Contains("data-testid=\"pipeline-state\"", dashboard, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"no-results\"", dashboard, StringComparison.Ordinal);

        var missing = await fixture.Factory.PageAsync("/operate/pipelines/nobody");
        Assert.Contains("pipeline &#x27;nobody&#x27; does not exist", missing, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>The pipeline host with a deep queue and a short latency budget: admission follows the measured rate.</summary>
public sealed class AdmissionHostFixture() : PipelineHostFixture(new Dictionary<string, string>
{
    ["Pipelines:PredictQueueCapacity"] = "1000",
    ["Pipelines:PredictMaxBatch"] = "4",
    ["Pipelines:PredictBatchWindowMs"] = "2",
    ["Pipelines:PredictLatencyBudgetMs"] = "1",
});

public sealed class PredictAdmissionTests(AdmissionHostFixture fixture) : IClassFixture<AdmissionHostFixture>
{
    [Fact]
    public async Task ABatchThatFailsUnexpectedlyFailsItsOwnRequestsAndTheQueueGoesOn()
    {
        // A model whose stored class list disagrees with its network (it names no class): its batch fails where no check
        // foresaw it. Before, such a failure ended the queue's one worker, and every later request waited until its
        // client gave up (the soak bench saw every prediction stop after ten minutes).
        const string broken = "m-b0b0b0b0";
        using (var scope = fixture.Factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
            var model = await db.Models.AsNoTracking().SingleAsync(m => m.Id == fixture.ModelId);
            db.Models.Add(new ModelVersion
            {
                Id = broken, DatasetVersionId = model.DatasetVersionId, Spec = model.Spec, Classes = [], ArtifactSha256 = model.ArtifactSha256,
            });
            await db.SaveChangesAsync();
        }

        using var client = fixture.Factory.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(30);
        var image = TinyImageFolder.Image(TinyImageFolder.ThreeClasses[0].Colour, 5);
        using (var content = new ByteArrayContent(image))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, (await client.PostAsync($"/api/predict?model={broken}", content)).StatusCode);
        }

        for (var i = 0; i < 3; i++)
        {
            using var content = new ByteArrayContent(image);
            var served = await Json.ReadAsync(await client.PostAsync($"/api/predict?model={fixture.ModelId}", content));
            Assert.Contains((string?)served["label"], TinyImageFolder.ThreeClasses.Select(c => c.Name));
        }
    }

    [Fact]
    public async Task OverloadIsRefusedByTheMeasuredRateNotOnlyByTheQueueCapacity()
    {
        using var client = fixture.Factory.CreateClient();
        var image = TinyImageFolder.Image(TinyImageFolder.ThreeClasses[2].Colour, 3);

        // One at a time first: the service rate is measured on these.
        string? label = null;
        for (var i = 0; i < 5; i++)
        {
            using var content = new ByteArrayContent(image);
            label = (string?)(await Json.ReadAsync(await client.PostAsync($"/api/predict?model={fixture.ModelId}", content)))["label"];
        }

        // 300 at once against a queue of 1000: a queue sized by its capacity alone admits them all and the last waits for
        // every one before it; sized by the rate, those beyond a millisecond's work (at least one) are refused at once.
        var responses = await Task.WhenAll(Enumerable.Range(0, 300).Select(async _ =>
        {
            using var content = new ByteArrayContent(image);
            return await client.PostAsync($"/api/predict?model={fixture.ModelId}", content);
        }));

        var served = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(300, served.Count + refused.Count);
        Assert.True(refused.Count >= 100, $"{refused.Count} of 300 were refused");
        Assert.NotEmpty(served);
        var problem = await Json.ProblemAsync(refused[0], 429);
        Assert.Contains("images/s measured", (string?)problem["detail"], StringComparison.Ordinal);
        foreach (var ok in served)
        {
            Assert.Equal(label, (string?)(await Json.ReadAsync(ok))["label"]);
        }
    }
}
