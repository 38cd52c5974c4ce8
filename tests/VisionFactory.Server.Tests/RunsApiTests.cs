using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>The factory's API: live updates over the SignalR hub, metrics, sweeps, cancel and resume, and their errors.</summary>
public sealed class RunsApiTests : IAsyncLifetime, IDisposable
{
    private static readonly double[] LearningRates = [0.01, 0.05];
    private static readonly int[] BatchSizes = [4, 8];
    private static readonly double[] OneRate = [0.1];

    private readonly ServerFactory factory = new();
    private readonly TinyImageFolder images = TinyImageFolder.Create();

    public async Task InitializeAsync()
    {
        using var client = factory.CreateClient();
        var import = await client.PostAsync("/api/datasets/colours/imports", Json.Body(new { path = images.Root }));
        Assert.Equal(HttpStatusCode.Created, import.StatusCode);
    }

    [Fact]
    public async Task TheHubStreamsARunsProgressAndEpochsLiveUntilItEnds()
    {
        using var client = factory.CreateClient();
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(factory.Server.BaseAddress, "/hubs/runs"), o =>
            {
                o.HttpMessageHandlerFactory = _ => factory.Server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
                o.Headers["Authorization"] = "Bearer " + factory.AdminApiKey;
            })
            .Build();
        await using var _ = connection;
        await connection.StartAsync();

        var run = await Json.ReadAsync(await client.PostAsync(
            "/api/runs", Json.Body(new { dataset = "colours", architecture = "small_cnn", mode = "finetune", epochs = 3, batch_size = 2, image_size = 128, threads = 1 })));
        var id = (string)run["id"]!;

        // Epochs of a second or so, so that the stream has something to show while the run trains.
        var updates = new List<JsonNode>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(300));
        await foreach (var update in connection.StreamAsync<JsonNode>("Watch", id, timeout.Token))
        {
            updates.Add(update);
        }

        Assert.Equal("succeeded", (string?)updates[^1]["state"]);
        Assert.NotNull((string?)updates[^1]["model"]);
        var points = updates.SelectMany(u => u["points"]!.AsArray()).ToList();
        Assert.Equal([1, 2, 3], points.Where(p => (string?)p!["kind"] == "epoch").Select(p => (int)p!["epoch"]!));
        Assert.All(points, p => Assert.Equal(id, (string?)p!["run_id"]));
        Assert.Contains(updates, u => (string?)u["state"] == "running" && (string?)u["progress"]?["phase"] == "training");

        // The same points are in the metrics API, each once.
        var metrics = (await Json.ReadAsync(await client.GetAsync($"/api/runs/{id}/metrics"))).AsArray();
        Assert.Equal(points.Select(p => (long)p!["id"]!).Order(), metrics.Select(p => (long)p!["id"]!).Order());
    }

    [Fact]
    public async Task ASweepQueuesEveryCombinationAndRanksThem()
    {
        using var client = factory.CreateClient();
        var response = await client.PostAsync("/api/sweeps", Json.Body(new
        {
            dataset = "colours",
            @base = new { architecture = "small_cnn", mode = "finetune", epochs = 1, image_size = 32, threads = 1 },
            learning_rates = LearningRates,
            batch_sizes = BatchSizes,
        }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var sweep = await Json.ReadAsync(response);
        Assert.Equal(4, sweep["runs"]!.AsArray().Count);

        var location = response.Headers.Location!.OriginalString;
        sweep = await Eventually.ValueAsync(
            async () => await Json.ReadAsync(await client.GetAsync(location)),
            latest => (bool)latest["finished"]!,
            TimeSpan.FromSeconds(180),
            "the sweep to finish");
        var board = sweep["leaderboard"]!.AsArray();
        Assert.Equal([1, 2, 3, 4], board.Select(e => (int)e!["rank"]!));
        Assert.All(board, e => Assert.Equal("succeeded", (string?)e!["state"]));
        var accuracies = board.Select(e => (double)e!["accuracy"]!).ToList();
        Assert.Equal(accuracies.OrderDescending(), accuracies);

        var runs = (await Json.ReadAsync(await client.GetAsync($"/api/runs?sweep={(string)sweep["id"]!}&state=succeeded"))).AsArray();
        Assert.Equal(4, runs.Count);
    }

    [Fact]
    public async Task CancelAndResumeSayWhatIsWrongWithAProblem()
    {
        using var client = factory.CreateClient();
        var missing = await client.PostAsync("/api/runs/r-00000000/cancel", null);
        var problem = await Json.ProblemAsync(missing, 404);
        Assert.Contains("run 'r-00000000' does not exist", (string?)problem["detail"], StringComparison.Ordinal);

        var run = await Json.ReadAsync(await client.PostAsync(
            "/api/runs", Json.Body(new { dataset = "colours", architecture = "small_cnn", mode = "finetune", epochs = 1, image_size = 32 })));
        var id = (string)run["id"]!;
        var cancelled = await Json.ReadAsync(await client.PostAsync($"/api/runs/{id}/cancel", null));
        Assert.True((string?)cancelled["state"] is "cancelled" || (bool)cancelled["cancel_requested"]!);
        await Eventually.ValueAsync(
            async () => await Json.ReadAsync(await client.GetAsync($"/api/runs/{id}")),
            latest => (string?)latest["state"] == "cancelled",
            TimeSpan.FromSeconds(10),
            $"run {id} to be cancelled");

        var again = await client.PostAsync($"/api/runs/{id}/cancel", null);
        Assert.Contains("already been cancelled", (string?)(await Json.ProblemAsync(again, 409))["detail"], StringComparison.Ordinal);

        var badFilter = await client.GetAsync("/api/runs?state=sleeping");
        Assert.Contains("'sleeping' is not a valid state; use one of: queued, running", (string?)(await Json.ProblemAsync(badFilter, 400))["detail"], StringComparison.Ordinal);

        var emptySweep = await client.PostAsync("/api/sweeps", Json.Body(new { learning_rates = OneRate }));
        Assert.Contains("'dataset' is required", (string?)(await Json.ProblemAsync(emptySweep, 400))["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMaxGradientNormIsStoredWithTheRunShownOnItsPageAndChecked()
    {
        using var client = factory.CreateClient();

        var started = await Json.ReadAsync(await client.PostAsync(
            "/api/runs", Json.Body(new { dataset = "colours", architecture = "small_cnn", mode = "finetune", epochs = 1, image_size = 32, threads = 1, max_gradient_norm = 1.5 })));
        var id = (string)started["id"]!;
        Assert.Equal(1.5, (double)started["spec"]!["max_gradient_norm"]!);
        var stored = await Json.ReadAsync(await client.GetAsync($"/api/runs/{id}"));
        Assert.Equal(1.5, (double)stored["spec"]!["max_gradient_norm"]!);
        var html = await factory.PageAsync($"/factory/runs/{id}");
        Assert.Contains("data-setting=\"max_gradient_norm\">max_gradient_norm <b>1.5</b>", html, StringComparison.Ordinal);

        var sweep = await Json.ReadAsync(await client.PostAsync("/api/sweeps", Json.Body(new
        {
            dataset = "colours",
            @base = new { architecture = "small_cnn", mode = "finetune", epochs = 1, image_size = 32, threads = 1, max_gradient_norm = 0.5 },
            learning_rates = LearningRates,
        })));
        Assert.All(sweep["runs"]!.AsArray(), r => Assert.Equal(0.5, (double)r!["spec"]!["max_gradient_norm"]!));

        var negative = await client.PostAsync("/api/runs", Json.Body(new { dataset = "colours", max_gradient_norm = -1 }));
        Assert.Contains("max gradient norm must be 0 (off) or a positive number, not -1", (string?)(await Json.ProblemAsync(negative, 400))["detail"], StringComparison.Ordinal);
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    public void Dispose() => images.Dispose();
}
