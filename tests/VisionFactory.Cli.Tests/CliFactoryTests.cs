using System.Text.Json;
using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary><c>vf train</c> queueing, <c>vf sweep</c> and <c>vf runs</c> on a real data directory.</summary>
public sealed class CliFactoryTests : IDisposable
{
    private readonly CliRunner cli = new();

    [Fact]
    public async Task ASweepOfFourTinyRunsCompletesWithALeaderboard()
    {
        await ImportAsync("sweep");

        var sweep = await cli.RunJsonAsync(
            "sweep", "sweep", "--arch", "small_cnn", "--lr", "0.01,0.1", "--batch-size", "4,8", "--epochs", "1",
            "--mode", "finetune", "--image-size", "32", "--threads", "1", "--wait");

        var runs = sweep.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(4, runs.Count);
        Assert.All(runs, r => Assert.Equal("succeeded", r.GetProperty("state").GetString()));
        Assert.True(sweep.GetProperty("finished").GetBoolean());
        var board = sweep.GetProperty("leaderboard").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3, 4], board.Select(e => e.GetProperty("rank").GetInt32()));
        Assert.Equal(
            runs.Select(r => r.GetProperty("id").GetString()).Order(StringComparer.Ordinal),
            board.Select(e => e.GetProperty("run").GetString()).Order(StringComparer.Ordinal));
        var accuracies = board.Select(e => e.GetProperty("accuracy").GetDouble()).ToList();
        Assert.Equal(accuracies.OrderDescending(), accuracies);
        Assert.Equal(
            [(0.01, 4), (0.01, 8), (0.1, 4), (0.1, 8)],
            board.Select(e => (e.GetProperty("learning_rate").GetDouble(), e.GetProperty("batch_size").GetInt32())).Order());
    }

    [Fact]
    public async Task TrainWithoutWaitQueuesTheRunAndRunsCommandsFollowCancelAndResumeIt()
    {
        await ImportAsync("queue");

        var queued = await cli.RunJsonAsync("train", "queue", "--arch", "small_cnn", "--mode", "finetune", "--image-size", "32", "--epochs", "2");
        var id = queued.GetProperty("id").GetString()!;
        Assert.Equal("queued", queued.GetProperty("state").GetString());

        var list = await cli.RunJsonAsync("runs", "list", "--state", "queued");
        Assert.Contains(list.EnumerateArray(), r => r.GetProperty("id").GetString() == id);

        var cancelled = await cli.RunJsonAsync("runs", "cancel", id);
        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());
        var again = await cli.RunAsync("runs", "cancel", id);
        Assert.Equal(4, again.ExitCode);
        Assert.Contains("already been cancelled", again.Error, StringComparison.Ordinal);

        // Resumed and trained here, it ends with both epochs and a model.
        var resumed = await cli.RunJsonAsync("runs", "resume", id, "--wait");
        Assert.Equal(id, resumed.GetProperty("run").GetString());
        Assert.Equal(2, resumed.GetProperty("history").GetArrayLength());

        var show = await cli.RunJsonAsync("runs", "show", id);
        Assert.Equal("succeeded", show.GetProperty("run").GetProperty("state").GetString());
        Assert.Equal([1, 2], show.GetProperty("epochs").EnumerateArray().Select(e => e.GetProperty("epoch").GetInt32()));

        var missing = await cli.RunAsync("runs", "show", "r-00000000");
        Assert.Equal(3, missing.ExitCode);

        // Watching a finished run prints its last state as one JSON line and ends.
        var watch = await cli.RunAsync("runs", "watch", id, "--json");
        Assert.Equal(0, watch.ExitCode);
        var last = JsonDocument.Parse(watch.Output.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(("succeeded", resumed.GetProperty("model").GetString()), (last.GetProperty("state").GetString(), last.GetProperty("model").GetString()));
        Assert.Equal(2, last.GetProperty("points").EnumerateArray().Count(p => p.GetProperty("kind").GetString() == "epoch"));
    }

    [Fact]
    public async Task ASweepThatWouldQueueTooManyRunsIsRefused()
    {
        await ImportAsync("big");
        var lrs = string.Join(',', Enumerable.Range(1, 20).Select(i => (i / 100.0).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var result = await cli.RunAsync("sweep", "big", "--lr", lrs, "--batch-size", "1,2,3,4,5,6,7,8,9,10,11,12,13,14", "--arch", "small_cnn", "--mode", "finetune");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("the sweep would make 280 runs; at most 256", result.Error, StringComparison.Ordinal);

        var bad = await cli.RunAsync("sweep", "big", "--lr", "0.1,fast");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--lr: 'fast' is not a valid value", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainAndSweepStoreTheMaxGradientNormGivenAsAnOption()
    {
        await ImportAsync("clip");

        var queued = await cli.RunJsonAsync("train", "clip", "--arch", "small_cnn", "--mode", "finetune", "--image-size", "32", "--epochs", "1", "--max-grad-norm", "2.5");
        var show = await cli.RunJsonAsync("runs", "show", queued.GetProperty("id").GetString()!);
        Assert.Equal(2.5, show.GetProperty("run").GetProperty("spec").GetProperty("max_gradient_norm").GetDouble());

        var sweep = await cli.RunJsonAsync("sweep", "clip", "--arch", "small_cnn", "--lr", "0.01,0.1", "--mode", "finetune", "--image-size", "32", "--epochs", "1", "--max-grad-norm", "0.5");
        Assert.Equal([0.5, 0.5], sweep.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("spec").GetProperty("max_gradient_norm").GetDouble()));

        var bad = await cli.RunAsync("train", "clip", "--max-grad-norm", "NaN");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("max gradient norm must be 0 (off) or a positive number, not NaN", bad.Error, StringComparison.Ordinal);
    }

    private async Task ImportAsync(string name)
    {
        var source = cli.Scratch(name);
        SyntheticImages.WriteDataset(source, ["a", "b"], perClass: 10);
        await cli.RunJsonAsync("dataset", "import", name, source);
    }

    public void Dispose() => cli.Dispose();
}
