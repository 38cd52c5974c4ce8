using System.Net;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// Camera sources on the server reach internal addresses only inside the administrator's camera networks: a pipeline
/// pointed at loopback or the metadata address is refused, naming the address, when it is saved and started, and a
/// loopback trap sees no request.
/// </summary>
public sealed class CameraAddressApiTests : IAsyncDisposable
{
    private static readonly string[] Loopback = ["127.0.0.0/8"];
    private static readonly string[] NotCidr = ["127.0.0.1/99"];
    private readonly ServerFactory factory = new();
    private readonly LocalWebServer trap = new("127.0.0.1", context =>
    {
        context.Response.StatusCode = 200;
        context.Response.Close();
        return Task.CompletedTask;
    });

    [Theory]
    [InlineData("mjpeg_camera", "url", "video.mjpg")]
    [InlineData("http_snapshot", "url", "snapshot.jpg")]
    public async Task ACameraOnLoopbackIsRefusedOnSaveAndStartAndTheTrapSeesNoRequest(string component, string setting, string path)
    {
        using var client = factory.CreateClient();
        var name = component.Replace('_', '-');
        var saved = await client.PostAsync("/api/pipelines", Json.Body(new
        {
            name,
            steps = new object[] { new { component, settings = new Dictionary<string, string> { [setting] = trap.Url(path).ToString() } }, new { component = "results_store" } },
        }));
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        var warning = (string)Assert.Single((await Json.ReadAsync(saved))["warnings"]!.AsArray())!;
        Assert.Contains("127.0.0.1 is an internal address (127.0.0.1) and is refused", warning, StringComparison.Ordinal);
        Assert.Contains("Pipelines:CameraAllowedNetworks", warning, StringComparison.Ordinal);

        var refused = await Json.ProblemAsync(await client.PostAsync($"/api/pipelines/{name}/start", null), 400);
        Assert.Contains("internal address (127.0.0.1)", (string?)refused["detail"], StringComparison.Ordinal);
        await Task.Delay(500);
        Assert.Empty(trap.Hits);
    }

    [Theory]
    [InlineData("mjpeg_camera", "url", "http://169.254.169.254/latest/meta-data/", "169.254.169.254")]
    [InlineData("mjpeg_camera", "url", "http://[::ffff:127.0.0.1]:81/video", "127.0.0.1")]
    [InlineData("http_snapshot", "url", "http://localhost:81/snap.jpg", "127.0.0.1")]
    [InlineData("video", "input", "rtsp://10.0.0.7:554/stream", "10.0.0.7")]
    public async Task InternalAddressesInAnySpellingAreNamedWhenStartIsRefused(string component, string setting, string url, string address)
    {
        using var client = factory.CreateClient();
        var name = "cam-" + Guid.NewGuid().ToString("N")[..6];
        (await client.PostAsync("/api/pipelines", Json.Body(new
        {
            name,
            steps = new object[] { new { component, settings = new Dictionary<string, string> { [setting] = url } }, new { component = "results_store" } },
        }))).EnsureSuccessStatusCode();

        var refused = await Json.ProblemAsync(await client.PostAsync($"/api/pipelines/{name}/start", null), 400);
        Assert.Contains($"internal address ({address})", (string?)refused["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheVideoSourceOnTheServerTakesOnlyRtspStreams()
    {
        using var client = factory.CreateClient();
        (await client.PostAsync("/api/pipelines", Json.Body(new
        {
            name = "web-video",
            steps = new object[] { new { component = "video", settings = new { input = trap.Url("clip.mp4").ToString() } }, new { component = "results_store" } },
        }))).EnsureSuccessStatusCode();

        var refused = await Json.ProblemAsync(await client.PostAsync("/api/pipelines/web-video/start", null), 400);
        Assert.Contains("reads rtsp:// and rtsps:// streams", (string?)refused["detail"], StringComparison.Ordinal);
        Assert.Empty(trap.Hits);
    }

    [Fact]
    public async Task ACameraInsideAnAllowedNetworkRunsAndTheSettingsPageListsTheNetwork()
    {
        await using var allowed = new ServerFactory { Settings = { ["Pipelines:CameraAllowedNetworks:0"] = "127.0.0.0/8" } };
        using var client = allowed.CreateClient();
        var frames = Enumerable.Range(0, 6).Select(i => SyntheticImages.Encode(i % 2, i, 64, SkiaSharp.SKEncodedImageFormat.Jpeg)).ToList();
        await using var camera = await MjpegTestServer.StartAsync(frames, fps: 20);
        var saved = await client.PostAsync("/api/pipelines", Json.Body(new
        {
            name = "door",
            steps = new object[] { new { component = "mjpeg_camera", settings = new { url = camera.StreamUrl.ToString() } }, new { component = "results_store" } },
        }));
        Assert.Empty((await Json.ReadAsync(saved))["warnings"]!.AsArray());
        (await client.PostAsync("/api/pipelines/door/start", null)).EnsureSuccessStatusCode();

        await Eventually.TrueAsync(() => camera.Sent > 0, TimeSpan.FromSeconds(30), "the allowed camera to be read");
        (await client.PostAsync("/api/pipelines/door/stop", null)).EnsureSuccessStatusCode();
        var page = await allowed.PageAsync("/settings");
        Assert.Contains("127.0.0.0/8", page, StringComparison.Ordinal);
        Assert.Contains("Pipelines:CameraAllowedNetworks", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAdministratorAllowsACameraNetworkAtRunTimeAndItIsKeptAcrossARestart()
    {
        string dataRoot;
        var frames = Enumerable.Range(0, 6).Select(i => SyntheticImages.Encode(i % 2, i, 64, SkiaSharp.SKEncodedImageFormat.Jpeg)).ToList();
        await using var camera = await MjpegTestServer.StartAsync(frames, fps: 20);
        await using (var first = new ServerFactory { KeepData = true })
        {
            dataRoot = first.DataRoot;
            using var admin = first.CreateClient();
            (await admin.PostAsync("/api/pipelines", Json.Body(new
            {
                name = "porch",
                steps = new object[] { new { component = "mjpeg_camera", settings = new { url = camera.StreamUrl.ToString() } }, new { component = "results_store" } },
            }))).EnsureSuccessStatusCode();
            await Json.ProblemAsync(await admin.PostAsync("/api/pipelines/porch/start", null), 400);

            var bad = await admin.PutAsync("/api/settings/camera-networks", Json.Body(new { networks = NotCidr }));
            Assert.Contains("'127.0.0.1/99', which is not a CIDR range", (string?)(await Json.ProblemAsync(bad, 400))["detail"], StringComparison.Ordinal);
            using var editor = await first.CreateClientWithRoleAsync("editor");
            Assert.Equal(HttpStatusCode.Forbidden, (await editor.PutAsync("/api/settings/camera-networks", Json.Body(new { networks = Loopback }))).StatusCode);

            var set = await Json.ReadAsync(await admin.PutAsync("/api/settings/camera-networks", Json.Body(new { networks = Loopback })));
            Assert.Equal("127.0.0.0/8", (string?)set["added"]![0]);
            (await admin.PostAsync("/api/pipelines/porch/start", null)).EnsureSuccessStatusCode();
            await Eventually.TrueAsync(() => camera.Sent > 0, TimeSpan.FromSeconds(30), "the camera in the network allowed at run time to be read");
            (await admin.PostAsync("/api/pipelines/porch/stop", null)).EnsureSuccessStatusCode();
            Assert.Contains((await Json.ReadAsync(await admin.GetAsync("/api/audit"))).AsArray(), e => (string?)e!["action"] == "settings_changed");
        }

        await using var second = new ServerFactory { DataRoot = dataRoot };
        using var again = second.CreateClient();
        Assert.Equal("127.0.0.0/8", (string?)(await Json.ReadAsync(await again.GetAsync("/api/settings/camera-networks")))["added"]![0]);
        Assert.Contains("127.0.0.0/8", await second.PageAsync("/settings"), StringComparison.Ordinal);

        // Removed again: a loopback camera is refused once more.
        (await again.PutAsync("/api/settings/camera-networks", Json.Body(new { networks = Array.Empty<string>() }))).EnsureSuccessStatusCode();
        await Json.ProblemAsync(await again.PostAsync("/api/pipelines/porch/start", null), 400);
    }

    public async ValueTask DisposeAsync()
    {
        trap.Dispose();
        await factory.DisposeAsync();
    }
}
