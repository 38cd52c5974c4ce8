using System.Text.Json.Nodes;
using VisionFactory.Testing;

namespace VisionFactory.Factory.Tests;

/// <summary>One PostgreSQL server on loopback for the distributed tests (each test gets its own database).</summary>
public sealed class PostgresFixture : IDisposable
{
    public PostgresServer Server { get; } = new();

    public void Dispose() => Server.Dispose();
}

/// <summary>
/// Scale-out: a web process and two worker processes sharing one PostgreSQL database and one data folder. A worker
/// killed or frozen while it holds a run loses it to the other, which resumes from the checkpoint; a frozen worker
/// that wakes up finds its lease gone and writes nothing more.
/// </summary>
public sealed class DistributedTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly TempDirectory temp = new("vf-distributed");

    private string Data => temp.Combine("shared");

    [Fact]
    public async Task KillNineOnTheWorkerHoldingARunLetsTheOtherResumeIt()
    {
        var (web, one, two) = await StartClusterAsync();
        using var _ = web;
        using var __ = one;
        using var ___ = two;

        var runId = (string)(await web.PostAsync("/api/runs", CrashRecoveryTests.SlowRun))["id"]!;
        var running = await web.WaitForRunAsync(
            runId, r => (int?)r["checkpoint_epoch"] == 1 && (int?)r["progress"]?["epoch"] == 2, TimeSpan.FromSeconds(120), one, two);
        var (holder, other) = Holder(running, one, two);
        holder.KillHard();

        var run = await web.WaitForRunAsync(runId, r => (string?)r["state"] is "succeeded" or "failed", TimeSpan.FromSeconds(180), one, two);
        Assert.Equal("succeeded", (string?)run["state"]);
        Assert.Equal(1, (int?)run["crashes"]);
        Assert.Contains($"Run {runId} started (fencing token 2) from epoch 1", other.Log, StringComparison.Ordinal);
        var epochs = (await web.GetAsync($"/api/runs/{runId}/metrics?kind=epoch")).AsArray();
        Assert.Equal([1, 2, 3, 4], epochs.Select(e => (int)e!["epoch"]!).ToArray());
    }

    [Fact]
    public async Task AFrozenWorkerPastItsLeaseWakesUpAndWritesNothingMore()
    {
        var (web, one, two) = await StartClusterAsync();
        using var _ = web;
        using var __ = one;
        using var ___ = two;

        var runId = (string)(await web.PostAsync("/api/runs", CrashRecoveryTests.SlowRun))["id"]!;
        var running = await web.WaitForRunAsync(
            runId, r => (int?)r["checkpoint_epoch"] >= 1 && (string?)r["progress"]?["phase"] == "training", TimeSpan.FromSeconds(120), one, two);
        var (holder, other) = Holder(running, one, two);
        holder.Freeze();

        // The other worker takes the run over once the lease (4 s) has expired.
        var takenOver = await web.WaitForRunAsync(runId, r => (long?)r["fencing_token"] == 2 || (int?)r["attempts"] == 2, TimeSpan.FromSeconds(60), one, two);
        Assert.Equal(other.Name, WorkerName(takenOver, one, two)?.Name);
        holder.Thaw();

        var run = await web.WaitForRunAsync(runId, r => (string?)r["state"] is "succeeded" or "failed", TimeSpan.FromSeconds(180), one, two);
        Assert.Equal("succeeded", (string?)run["state"]);

        // The woken worker noticed, and every point after the takeover is the new holder's.
        await Eventually.TrueAsync(
            () => holder.Log.Contains("lease with token 1 lost", StringComparison.Ordinal), TimeSpan.FromSeconds(10), $"{holder.Name} to log that it lost the lease", () => holder.Log);

        Assert.Contains($"Run {runId}: lease with token 1 lost", holder.Log, StringComparison.Ordinal);
        var points = (await web.GetAsync($"/api/runs/{runId}/metrics")).AsArray();
        var firstOfSecond = points.Select((p, i) => (p, i)).First(x => (long)x.p!["fencing_token"]! == 2).i;
        Assert.All(points.Skip(firstOfSecond), p => Assert.Equal(2L, (long)p!["fencing_token"]!));
        var epochs = points.Where(p => (string?)p!["kind"] == "epoch").Select(p => (int)p!["epoch"]!).ToArray();
        Assert.Equal([1, 2, 3, 4], epochs);
    }

    /// <summary>A fresh database with the dataset imported, one web host and two workers on it.</summary>
    private async Task<(VfProcess Web, VfProcess One, VfProcess Two)> StartClusterAsync()
    {
        var database = postgres.Server.CreateDatabase();
        await Datasets.ImportAsync(temp, Data, database, "shapes", perClass: 120, size: 96);
        return (await VfProcess.StartAsync("web", Data, database, "web"),
            await VfProcess.StartAsync("worker-1", Data, database, "worker"),
            await VfProcess.StartAsync("worker-2", Data, database, "worker"));
    }

    private static (VfProcess Holder, VfProcess Other) Holder(JsonNode run, VfProcess one, VfProcess two)
    {
        var holder = WorkerName(run, one, two) ?? throw new InvalidOperationException($"no worker holds the run: {run.ToJsonString()}");
        return (holder, holder == one ? two : one);
    }

    private static VfProcess? WorkerName(JsonNode run, VfProcess one, VfProcess two)
    {
        var worker = (string?)run["worker"];
        return worker is null ? null : worker.Contains($":{one.Pid}:", StringComparison.Ordinal) ? one : worker.Contains($":{two.Pid}:", StringComparison.Ordinal) ? two : null;
    }

    public void Dispose() => temp.Dispose();
}
