using VisionFactory.Pipelines.Sources;
using VisionFactory.Testing;

namespace VisionFactory.Pipelines.Tests;

/// <summary>The camera sources' connect-time guard: with an allow-list (the web host's), an internal address outside it is never connected.</summary>
public sealed class CameraGuardTests : IDisposable
{
    private readonly LocalWebServer trap = new("127.0.0.1", context =>
    {
        context.Response.StatusCode = 200;
        context.Response.Close();
        return Task.CompletedTask;
    });

    [Fact]
    public async Task AnMjpegCameraOnLoopbackIsRefusedWhenItConnectsAndTheTrapSeesNoRequest()
    {
        await using var source = new MjpegCameraSource(new MjpegCameraSettings { Url = trap.Url("video.mjpg").ToString() }, allowedNetworks: ["10.9.0.0/16"]);

        var refused = await Assert.ThrowsAsync<HttpRequestException>(async () => await source.ConnectAsync(CancellationToken.None).GetAsyncEnumerator().MoveNextAsync());

        Assert.Contains("internal and was refused", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Pipelines:CameraAllowedNetworks", refused.Message, StringComparison.Ordinal);
        Assert.Empty(trap.Hits);
    }

    [Fact]
    public async Task ASnapshotCameraOnLoopbackIsRefusedWhenItConnectsAndTheTrapSeesNoRequest()
    {
        await using var source = new HttpSnapshotSource(new HttpSnapshotSettings { Url = trap.Url("snap.jpg").ToString() }, TimeProvider.System, allowedNetworks: []);

        var refused = await Assert.ThrowsAsync<HttpRequestException>(async () => await source.ConnectAsync(CancellationToken.None).GetAsyncEnumerator().MoveNextAsync());

        Assert.Contains("internal and was refused", refused.Message, StringComparison.Ordinal);
        Assert.Empty(trap.Hits);
    }

    [Fact]
    public async Task ACameraInsideAnAllowedNetworkIsRead()
    {
        var frames = Enumerable.Range(0, 3).Select(i => SyntheticImages.Encode(i % 2, i, 32, SkiaSharp.SKEncodedImageFormat.Jpeg)).ToList();
        await using var camera = await MjpegTestServer.StartAsync(frames, fps: 30);
        await using var source = new MjpegCameraSource(new MjpegCameraSettings { Url = camera.StreamUrl.ToString() }, allowedNetworks: ["127.0.0.0/8"]);

        await using var frame = source.ConnectAsync(CancellationToken.None).GetAsyncEnumerator();

        Assert.True(await frame.MoveNextAsync());
        Assert.Equal(frames[0], frame.Current);
    }

    public void Dispose() => trap.Dispose();
}
