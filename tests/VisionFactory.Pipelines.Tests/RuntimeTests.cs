using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Pipelines.Runtime;
using VisionFactory.Testing;

namespace VisionFactory.Pipelines.Tests;

/// <summary>The runtime against a real MJPEG stream on loopback: reconnects, stall detection, bounded queues.</summary>
public sealed class RuntimeTests
{
    private static readonly List<byte[]> Frames =
        Enumerable.Range(0, 20).Select(i => SyntheticImages.Encode(i % 2, i, 64, SKEncodedImageFormat.Jpeg)).ToList();

    private static string CameraPipeline(Uri url, string sinks, double stallSeconds = 20) => $$"""
        {
          "name": "camera",
          "queue_capacity": 4,
          "stall_timeout_seconds": {{stallSeconds}},
          "reconnect_max_seconds": 1,
          "steps": [
            { "component": "mjpeg_camera", "settings": { "url": "{{url}}" } },
            { "component": "resize", "settings": { "width": 32, "height": 32, "keep_aspect": false } },
            {{sinks}}
          ]
        }
        """;

    [Fact]
    public async Task AStreamCutMidWayIsReconnectedAndFramesContinue()
    {
        await using var host = await PipelineTestHost.StartAsync();
        await using var camera = await MjpegTestServer.StartAsync(Frames, fps: 50);
        var runner = await host.StartPipelineAsync(CameraPipeline(camera.StreamUrl, """{ "component": "file", "settings": { "file_name": "frames.jsonl" } }"""));
        await using (runner)
        {
            await Eventually.TrueAsync(() => runner.Frames >= 10, TimeSpan.FromSeconds(20), "the first frames");
            camera.KillConnections();
            var before = runner.Frames;
            // Frames read are not results written: under load the classifier's queue drops frames, as it should.
            await Eventually.TrueAsync(
                () => runner.Metrics().Steps[0].Reconnects >= 1 && runner.Frames >= before + 10 && runner.Metrics().Steps[^1].FramesOut >= 20,
                TimeSpan.FromSeconds(20), "frames after the reconnection");

            var metrics = runner.Metrics();
            Assert.True(camera.Connections >= 2, $"the camera saw {camera.Connections} connection(s)");
            Assert.Contains(metrics.Events, e => e.Kind == PipelineEventKind.Reconnect);
            Assert.Equal("streaming", metrics.Steps[0].State);
            Assert.NotNull(metrics.Steps[1].LatencyP50Ms);
            await runner.StopAsync();
        }

        var lines = File.ReadAllLines(Path.Combine(host.Data.Root, "exports", "frames.jsonl"));
        Assert.True(lines.Length >= 20, $"{lines.Length} results were written");
        Assert.All(lines, l => Assert.Contains("\"width\":32", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AStalledStreamIsDetectedWithinTheTimeoutAndReconnected()
    {
        await using var host = await PipelineTestHost.StartAsync();
        await using var camera = await MjpegTestServer.StartAsync(Frames, fps: 50);
        var runner = await host.StartPipelineAsync(
            CameraPipeline(camera.StreamUrl, """{ "component": "file", "settings": { "file_name": "stall.jsonl" } }""", stallSeconds: 1));
        await using (runner)
        {
            await Eventually.TrueAsync(() => runner.Frames >= 5, TimeSpan.FromSeconds(20), "the first frames");
            camera.StallAfter(3);
            var silentSince = DateTimeOffset.UtcNow;
            await Eventually.TrueAsync(() => runner.Metrics().Steps[0].Stalls >= 1, TimeSpan.FromSeconds(10), "the stall to be detected");
            var detectedAfter = DateTimeOffset.UtcNow - silentSince;
            Assert.True(detectedAfter < TimeSpan.FromSeconds(8), $"the stall was detected after {detectedAfter.TotalSeconds:0.0} s with a 1 s timeout");

            var before = runner.Frames;
            await Eventually.TrueAsync(() => runner.Frames >= before + 5, TimeSpan.FromSeconds(15), "frames after the stalled stream was replaced");
            Assert.Contains(runner.Metrics().Events, e => e.Kind == PipelineEventKind.Stall && e.Message.Contains("stalled", StringComparison.Ordinal));
            Assert.True(camera.Connections >= 2);
        }
    }

    [Fact]
    public async Task AWebhookToALoopbackAddressIsRefusedUnlessAllowListed()
    {
        var port = LoopbackPort.Free();
        await using var trap = await WebhookReceiver.StartAsync(port);
        await using var host = await PipelineTestHost.StartAsync(new PipelineOptions());
        await using var camera = await MjpegTestServer.StartAsync(Frames, fps: 50);
        var runner = await host.StartPipelineAsync(CameraPipeline(camera.StreamUrl,
            $$"""{ "component": "webhook", "settings": { "url": "http://127.0.0.1:{{port}}/hook", "only_labelled": false } }"""));
        await using (runner)
        {
            await Eventually.TrueAsync(() => runner.Metrics().Steps[2].Errors >= 3, TimeSpan.FromSeconds(20), "refused posts");
            Assert.Contains("internal and was refused", runner.Metrics().Steps[2].LastError, StringComparison.Ordinal);
            Assert.Equal(0, trap.Received);
        }
    }

    [Fact]
    public async Task AFrameLargerThanTheFrameLimitIsRefusedWithoutBufferingItAndTheStreamGoesOn()
    {
        using var noise = new SKBitmap(512, 512);
        var random = new Random(7);
        for (var y = 0; y < 512; y++)
        {
            for (var x = 0; x < 512; x++)
            {
                noise.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            }
        }

        using var encoded = noise.Encode(SKEncodedImageFormat.Jpeg, 95);
        var huge = encoded.ToArray();
        Assert.True(huge.Length > 64 * 1024, $"the large frame is only {huge.Length} bytes");
        Assert.All(Frames, f => Assert.True(f.Length < 8192));

        await using var host = await PipelineTestHost.StartAsync();
        await using var camera = await MjpegTestServer.StartAsync([.. Frames.Take(5), huge], fps: 100);
        var runner = await host.StartPipelineAsync($$"""
            {
              "name": "limits",
              "reconnect_max_seconds": 0.2,
              "steps": [
                { "component": "mjpeg_camera", "settings": { "url": "{{camera.StreamUrl}}", "max_frame_bytes": 16384 } },
                { "component": "file", "settings": { "file_name": "limits.jsonl" } }
              ]
            }
            """);
        await using (runner)
        {
            await Eventually.TrueAsync(() => runner.Metrics().Steps[0].Errors >= 2 && runner.Frames >= 10, TimeSpan.FromSeconds(20), "refused frames and the stream going on",
                () => System.Text.Json.JsonSerializer.Serialize(runner.Metrics()));
            Assert.Contains("frame limit", runner.Metrics().Steps[0].LastError, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(File.ReadAllLines(Path.Combine(host.Data.Root, "exports", "limits.jsonl")), l => l.Contains("\"width\":512", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheResultsStoreKeepsOnlyTheNewestResultsAndTheirPreviews()
    {
        await using var host = await PipelineTestHost.StartAsync();
        await using var camera = await MjpegTestServer.StartAsync(Frames, fps: 100);
        var runner = await host.StartPipelineAsync(CameraPipeline(camera.StreamUrl, """{ "component": "results_store", "settings": { "keep_last": 10 } }"""));
        await using (runner)
        {
            await Eventually.TrueAsync(() => runner.Metrics().Steps[2].FramesOut >= 60, TimeSpan.FromSeconds(30), "60 stored results");
            await runner.StopAsync();
        }

        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VisionFactory.Storage.Database.VisionFactoryDb>();
        var kept = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(db.PipelineResults);
        Assert.InRange(kept.Count, 10, 10 + 16);
        Assert.Equal(runner.Metrics().Steps[2].FramesOut, kept.Max(r => r.Id));
        Assert.Equal(kept.Count, kept.Max(r => r.Id) - kept.Min(r => r.Id) + 1);
        var previews = Directory.EnumerateFiles(host.Data.BlobsPath, "*", SearchOption.AllDirectories).Count();
        Assert.Equal(kept.Select(r => r.ThumbnailSha256).Distinct().Count(), previews);
    }
}
