using SkiaSharp;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Pipelines.Runtime;
using VisionFactory.Testing;

namespace VisionFactory.Pipelines.Tests;

/// <summary>Tests that measure the whole process (memory, threads, open handles) run alone, so other tests cannot skew them.</summary>
[CollectionDefinition(nameof(MeasuredAlone), DisableParallelization = true)]
public sealed class MeasuredAlone;

/// <summary>Bounded resources: a sink that is down, and a camera that keeps failing.</summary>
[Collection(nameof(MeasuredAlone))]
public sealed class ResourceTests
{
    private static readonly List<byte[]> Frames =
        Enumerable.Range(0, 20).Select(i => SyntheticImages.Encode(i % 2, i, 64, SKEncodedImageFormat.Jpeg)).ToList();

    private static string CameraPipeline(Uri url, string sinks) => $$"""
        {
          "name": "camera",
          "queue_capacity": 4,
          "reconnect_max_seconds": 1,
          "steps": [
            { "component": "mjpeg_camera", "settings": { "url": "{{url}}" } },
            { "component": "resize", "settings": { "width": 32, "height": 32, "keep_aspect": false } },
            {{sinks}}
          ]
        }
        """;

    [Fact]
    public async Task ASinkThatIsDownKeepsABoundedQueueCountsDropsAndResumesDelivery()
    {
        var port = LoopbackPort.Free();
        await using var host = await PipelineTestHost.StartAsync(new PipelineOptions { WebhookAllowedNetworks = ["127.0.0.0/8"] });
        await using var camera = await MjpegTestServer.StartAsync(Frames, fps: 200);
        var runner = await host.StartPipelineAsync(CameraPipeline(camera.StreamUrl,
            $$"""{ "component": "webhook", "settings": { "url": "http://127.0.0.1:{{port}}/hook", "timeout_seconds": 1, "only_labelled": false } }"""));
        await using (runner)
        {
            GC.Collect();
            var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
            await Eventually.TrueAsync(() => runner.Metrics().Steps[2].Drops >= 200, TimeSpan.FromSeconds(30), "drops at the webhook's queue", () => System.Text.Json.JsonSerializer.Serialize(runner.Metrics()));
            var webhook = runner.Metrics().Steps[2];
            Assert.True(webhook.QueueLength <= webhook.QueueCapacity, $"queue {webhook.QueueLength} of {webhook.QueueCapacity}");
            Assert.Equal(4, webhook.QueueCapacity);
            Assert.True(runner.Frames >= 200, $"only {runner.Frames} frames passed");
            var growth = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
            Assert.True(growth < 32L * 1024 * 1024, $"memory grew by {growth / 1048576.0:0.0} MiB while the sink was down");
            Assert.Contains(runner.Metrics().Events, e => e.Step == "webhook" && e.Message.Contains("unreachable", StringComparison.Ordinal));

            await using var receiver = await WebhookReceiver.StartAsync(port);
            await Eventually.TrueAsync(() => receiver.Received >= 5, TimeSpan.FromSeconds(75), "delivery to resume (the retry back-off is capped at 30 s)");
            Assert.Contains(runner.Metrics().Events, e => e.Message.Contains("delivery resumed", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ThreadsAndHandlesStayFlatOverAHundredReconnects()
    {
        await using var host = await PipelineTestHost.StartAsync();
        await using var camera = await MjpegTestServer.StartAsync(Frames);
        var runner = await host.StartPipelineAsync($$"""
            {
              "name": "flaky",
              "reconnect_max_seconds": 0.1,
              "steps": [
                { "component": "mjpeg_camera", "settings": { "url": "{{camera.BrokenUrl}}" } },
                { "component": "file", "settings": { "file_name": "flaky.jsonl" } }
              ]
            }
            """);
        await using (runner)
        {
            await Eventually.TrueAsync(() => runner.Metrics().Steps[0].Reconnects >= 20, TimeSpan.FromSeconds(30), "20 reconnects");
            var (threads, handles) = Usage();
            await Eventually.TrueAsync(() => runner.Metrics().Steps[0].Reconnects >= 120, TimeSpan.FromSeconds(60), "120 reconnects");
            var (threadsAfter, handlesAfter) = Usage();
            Assert.True(handlesAfter - handles < 30, $"open handles went from {handles} to {handlesAfter} over 100 reconnects");
            Assert.True(threadsAfter - threads < 10, $"threads went from {threads} to {threadsAfter} over 100 reconnects");
            Assert.True(camera.Connections >= 120);
            Assert.Single(runner.Metrics().Events, e => e.Kind == PipelineEventKind.Error);
        }
    }

    private static (int Threads, int Handles) Usage()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return (process.Threads.Count, Directory.GetFiles("/proc/self/fd").Length);
    }
}
