using System.Net;
using System.Text.Json.Nodes;
using SkiaSharp;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>A pipeline that was running when the web host stopped runs again when it starts; a stopped one does not.</summary>
public sealed class PipelineResumeTests
{
    [Fact]
    public async Task RunningPipelinesAreStartedAgainAfterARestartAndOneThatCannotStartSaysWhy()
    {
        var frames = Enumerable.Range(0, 6).Select(i => SyntheticImages.Encode(i % 2, i, 48, SKEncodedImageFormat.Jpeg)).ToList();
        await using var camera = await MjpegTestServer.StartAsync(frames, fps: 20);
        var inbox = Path.Combine(Path.GetTempPath(), "vf-server-tests", "resume-inbox-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(inbox);
        string dataRoot;
        long lastBeforeRestart;
        try
        {
            await using (var first = new ServerFactory { KeepData = true, Settings = { ["Pipelines:FolderRoots:0"] = inbox, ["Pipelines:CameraAllowedNetworks:0"] = "127.0.0.0/8" } })
            {
                dataRoot = first.DataRoot;
                using var client = first.CreateClient();
                await SaveAsync(client, "gate", new { component = "mjpeg_camera", settings = new { url = camera.StreamUrl.ToString() } });
                await SaveAsync(client, "idle", new { component = "mjpeg_camera", settings = new { url = camera.StreamUrl.ToString() } });
                await SaveAsync(client, "inbox", new { component = "folder_watch", settings = new { path = inbox } });
                foreach (var name in new[] { "gate", "idle", "inbox" })
                {
                    Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/pipelines/{name}/start", null)).StatusCode);
                }

                Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/pipelines/idle/stop", null)).StatusCode);
                lastBeforeRestart = await NewestResultAsync(client, "gate", after: 0);
            }

            // The same data on a host that no longer allows the inbox folder: "gate" resumes, "inbox" cannot and says why,
            // "idle" was stopped by a person and stays stopped.
            await using var second = new ServerFactory { DataRoot = dataRoot, Settings = { ["Pipelines:CameraAllowedNetworks:0"] = "127.0.0.0/8" } };
            using var again = second.CreateClient();
            var list = await WaitAsync(again, l => Running(l, "gate") && Problem(l, "inbox") is not null);
            Assert.False(Running(list, "idle"));
            Assert.Null(Problem(list, "idle"));
            Assert.False(Running(list, "inbox"));
            Assert.Contains("Pipelines:FolderRoots", Problem(list, "inbox"), StringComparison.Ordinal);
            Assert.Contains("not resumed", Problem(list, "inbox"), StringComparison.Ordinal);

            // It really runs: new results arrive after the restart, from the version that ran before it.
            var newest = await NewestResultAsync(again, "gate", after: lastBeforeRestart);
            Assert.True(newest > lastBeforeRestart);

            // Stopped by a person now: the next host start leaves it stopped.
            Assert.Equal(HttpStatusCode.OK, (await again.PostAsync("/api/pipelines/gate/stop", null)).StatusCode);
            var metrics = await Json.ReadAsync(await again.GetAsync("/api/pipelines/gate/metrics"));
            Assert.False((bool)metrics["running"]!);
        }
        finally
        {
            Directory.Delete(inbox, recursive: true);
        }
    }

    private static async Task SaveAsync(HttpClient client, string name, object source)
    {
        var saved = await client.PostAsync("/api/pipelines", Json.Body(new { name, steps = new[] { source, new { component = "results_store" } } }));
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
    }

    private static JsonNode Pipeline(JsonArray list, string name) => list.Single(p => (string?)p!["name"] == name)!;

    private static bool Running(JsonArray list, string name) => (bool)Pipeline(list, name)["running"]!;

    private static string? Problem(JsonArray list, string name) => (string?)Pipeline(list, name)["resume_error"];

    private static Task<JsonArray> WaitAsync(HttpClient client, Func<JsonArray, bool> done) => Eventually.ValueAsync(
        async () => (await Json.ReadAsync(await client.GetAsync("/api/pipelines"))).AsArray(),
        done,
        TimeSpan.FromSeconds(60),
        "the pipelines to reach the expected state",
        list => list.ToJsonString());

    private static async Task<long> NewestResultAsync(HttpClient client, string name, long after)
    {
        var results = await Eventually.ValueAsync(
            async () => (await Json.ReadAsync(await client.GetAsync($"/api/pipelines/{name}/results?limit=1&after={after}")))["results"]!.AsArray(),
            page => page.Count > 0,
            TimeSpan.FromSeconds(60),
            $"a result from '{name}' after id {after}");
        return (long)results[0]!["id"]!;
    }
}
