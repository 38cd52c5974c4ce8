using System.Text.Json.Nodes;
using VisionFactory.Testing;

namespace VisionFactory.Factory.Tests;

/// <summary>
/// The embedded factory (SQLite, one process) under the faults it must survive: a worker killed with -9 mid-run,
/// a cancel while training, a sweep. Every test drives real <c>vf serve</c> processes over HTTP.
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    // Epochs of a few seconds on one thread, so that "epoch 2 of 4" lasts long enough to be caught.
    internal static readonly object SlowRun = new
    {
        dataset = "shapes",
        architecture = "small_cnn",
        mode = "finetune",
        epochs = 4,
        batch_size = 4,
        image_size = 96,
        threads = 1,
    };

    private readonly TempDirectory temp = new("vf-factory");

    private string Data => temp.Combine("data");

    [Fact]
    public async Task KillNineInEpochTwoResumesFromTheCheckpointWithExactlyFourEpochs()
    {
        await Datasets.ImportAsync(temp, Data, null, "shapes", perClass: 120, size: 96);
        string runId;
        using (var first = await VfProcess.StartAsync("first", Data, null, "all"))
        {
            runId = (string)(await first.PostAsync("/api/runs", SlowRun))["id"]!;
            await first.WaitForRunAsync(runId, r => (int?)r["checkpoint_epoch"] == 1 && (int?)r["progress"]?["epoch"] == 2, TimeSpan.FromSeconds(120));
            first.KillHard();
        }

        using var second = await VfProcess.StartAsync("second", Data, null, "all");
        var run = await second.WaitForRunAsync(runId, r => (string?)r["state"] is "succeeded" or "failed" or "cancelled", TimeSpan.FromSeconds(180));

        Assert.Equal("succeeded", (string?)run["state"]);
        Assert.Equal(2, (int?)run["attempts"]);
        Assert.Equal(1, (int?)run["crashes"]);
        var epochs = (await second.GetAsync($"/api/runs/{runId}/metrics?kind=epoch")).AsArray();
        Assert.Equal([1, 2, 3, 4], epochs.Select(e => (int)e!["epoch"]!).ToArray());

        // Epoch 1 was written by the first worker, epochs 2 to 4 by the second, which resumed after it.
        Assert.Equal([1L, 2L, 2L, 2L], epochs.Select(e => (long)e!["fencing_token"]!).ToArray());
        var model = await second.GetAsync($"/api/models/{(string)run["model"]!}");
        Assert.Equal(4, model["history"]!.AsArray().Count);
    }

    [Fact]
    public async Task SigtermCheckpointsMidEpochAndTheRestartedServerContinuesFromThatStep()
    {
        await Datasets.ImportAsync(temp, Data, null, "shapes", perClass: 120, size: 96);
        string runId;
        using (var first = await VfProcess.StartAsync("first", Data, null, "all"))
        {
            runId = (string)(await first.PostAsync("/api/runs", SlowRun))["id"]!;
            await first.WaitForRunAsync(
                runId, r => (int?)r["checkpoint_epoch"] == 1 && (int?)r["progress"]?["epoch"] == 2 && (int?)r["progress"]?["done"] >= 3, TimeSpan.FromSeconds(120));
            Assert.Equal(0, first.Terminate(TimeSpan.FromSeconds(30)));
        }

        using var second = await VfProcess.StartAsync("second", Data, null, "all");
        var stopped = await second.GetAsync($"/api/runs/{runId}");
        var run = await second.WaitForRunAsync(runId, r => (string?)r["state"] is "succeeded" or "failed" or "cancelled", TimeSpan.FromSeconds(180));

        Assert.Equal("succeeded", (string?)run["state"]);
        Assert.True((string?)stopped["state"] is "interrupted" or "running" or "succeeded", stopped.ToJsonString());
        Assert.Equal((2, 0), ((int)run["attempts"]!, (int)run["crashes"]!));
        Assert.Contains($"Run {runId} started (fencing token 2) from epoch 1, step ", second.Log, StringComparison.Ordinal);
        Assert.DoesNotContain($"from epoch 1, step 0", second.Log, StringComparison.Ordinal);
        var epochs = (await second.GetAsync($"/api/runs/{runId}/metrics?kind=epoch")).AsArray();
        Assert.Equal([1, 2, 3, 4], epochs.Select(e => (int)e!["epoch"]!).ToArray());
    }

    [Fact]
    public async Task CancelStopsARunningRunWithinFiveSecondsAndKeepsItsCheckpoint()
    {
        await Datasets.ImportAsync(temp, Data, null, "shapes", perClass: 120, size: 96);
        using var server = await VfProcess.StartAsync("server", Data, null, "all");
        var runId = (string)(await server.PostAsync("/api/runs", SlowRun))["id"]!;
        await server.WaitForRunAsync(runId, r => (int?)r["checkpoint_epoch"] >= 1 && (string?)r["progress"]?["phase"] == "training", TimeSpan.FromSeconds(120));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await server.PostAsync($"/api/runs/{runId}/cancel", new { });
        var run = await server.WaitForRunAsync(runId, r => (string?)r["state"] != "running", TimeSpan.FromSeconds(10));
        var seconds = clock.Elapsed.TotalSeconds;

        Assert.Equal("cancelled", (string?)run["state"]);
        Assert.True(seconds < 5, $"the run stopped {seconds:0.0} s after the cancel");
        Assert.True((int)run["checkpoint_epoch"]! >= 1);

        // Resuming continues from the checkpoint and ends with every epoch once.
        await server.PostAsync($"/api/runs/{runId}/resume", new { });
        run = await server.WaitForRunAsync(runId, r => (string?)r["state"] is "succeeded" or "failed", TimeSpan.FromSeconds(180));
        Assert.Equal("succeeded", (string?)run["state"]);
        var epochs = (await server.GetAsync($"/api/runs/{runId}/metrics?kind=epoch")).AsArray();
        Assert.Equal([1, 2, 3, 4], epochs.Select(e => (int)e!["epoch"]!).ToArray());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        temp.Dispose();
    }
}
