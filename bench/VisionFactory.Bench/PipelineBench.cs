using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using OpenCvSharp;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain.Models;
using VisionFactory.Factory;
using VisionFactory.Factory.Training;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Pipelines;
using VisionFactory.Pipelines.Catalog;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Pipelines.Runtime;
using VisionFactory.Storage;
using VisionFactory.Testing;

namespace VisionFactory.Bench;

/// <summary>
/// The operate step under load. (1) Frames per second end to end on a 640x480 MJPEG stream (a camera on loopback sending
/// faster than the pipeline can go) through YuNet face detection, a MobileNet-V3-small classifier per face and the
/// results store, with each step's latency; beside it, the same decode + detect + classify in a plain loop with no
/// runtime, HTTP or store (the ceiling). (2) POST /api/predict on a real <c>vf serve</c> process, loaded by this process
/// over loopback: requests/s and p50 / p99; beside it, the unbatched POST /api/models/{id}/predictions.
/// </summary>
internal static class PipelineBench
{
    public static async Task RunAsync(string masks)
    {
        var yunet = Path.GetFullPath(Path.Combine(Repository.Root, "..", "shared", "models", "face_detection_yunet.onnx"));
        using var temp = new TempDirectory("vf-bench-pipeline");
        var data = new DataDirectory(temp.Combine("data"));
        var frames = Frames640x480(masks, 60);
        string modelId;
        await using (var services = new ServiceCollection().AddVisionFactory(data).AddVisionFactoryPipelines(new PipelineOptions { YuNetModelPath = yunet }).BuildServiceProvider())
        {
            await services.MigrateDatabaseAsync(CancellationToken.None);
            modelId = await TrainAsync(services, masks, temp);
            Console.WriteLine();
            Console.WriteLine($"## Pipeline: 640x480 MJPEG -> YuNet face detection -> classify per face (mobilenet_v3_small, 224 px) -> results store; {Environment.ProcessorCount} cores");
            Reference(services, frames, modelId);
            await PipelineAsync(services, frames, modelId);
        }

        await PredictUnderLoadAsync(data, modelId, masks);
    }

    internal static List<byte[]> Frames640x480(string masks, int count)
    {
        var files = Directory.EnumerateFiles(masks, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Where((_, i) => i % 20 == 0).Take(count);
        var frames = new List<byte[]>();
        foreach (var file in files)
        {
            using var photo = Cv2.ImRead(file);
            using var canvas = new Mat(480, 640, MatType.CV_8UC3, OpenCvSharp.Scalar.All(40));
            var scale = Math.Min(640.0 / photo.Width, 480.0 / photo.Height);
            var size = new Size((int)(photo.Width * scale), (int)(photo.Height * scale));
            using var resized = photo.Resize(size);
            using (var target = new Mat(canvas, new Rect((640 - size.Width) / 2, (480 - size.Height) / 2, size.Width, size.Height)))
            {
                resized.CopyTo(target);
            }

            Cv2.ImEncode(".jpg", canvas, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 85));
            frames.Add(jpeg);
        }

        return frames;
    }

    internal static async Task<string> TrainAsync(IServiceProvider services, string masks, TempDirectory temp)
    {
        var folder = temp.Combine("train");
        foreach (var label in new[] { "with_mask", "without_mask" })
        {
            Directory.CreateDirectory(Path.Combine(folder, label));
            foreach (var file in Directory.EnumerateFiles(Path.Combine(masks, label), "*.jpg").Order(StringComparer.Ordinal).Take(40))
            {
                File.Copy(file, Path.Combine(folder, label, Path.GetFileName(file)));
            }
        }

        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatasetImporter>().ImportAsync("masks", folder, ImportOptions.Default, null, CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var model = await scope.ServiceProvider.GetRequiredService<TrainingService>().TrainAsync(
            "masks", new TrainingSpec { Architecture = "mobilenet_v3_small", Mode = TrainingMode.Finetune, Pretrained = false, Epochs = 1, ImageSize = 224, BatchSize = 16 },
            null, CancellationToken.None);
        Console.WriteLine($"(a mobilenet_v3_small model {model.Id} trained for the benchmark in {clock.Elapsed.TotalSeconds:0} s; its accuracy does not matter here)");
        return model.Id;
    }

    private static void Reference(IServiceProvider services, List<byte[]> frames, string modelId)
    {
        var catalog = services.GetRequiredService<ComponentCatalog>();
        var context = new ComponentContext("reference", 0, "x", services, services.GetRequiredService<PipelineOptions>(), services.GetRequiredService<DataDirectory>(),
            new PipelineEvents(TimeProvider.System), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var empty = System.Text.Json.JsonDocument.Parse("{}").RootElement;
        using var faces = (IFrameProcessor)catalog.CreateAsync(context, "face_detection", empty).GetAwaiter().GetResult();
        using var classify = (IFrameProcessor)catalog.CreateAsync(context, "classify", System.Text.Json.JsonSerializer.SerializeToElement(new { model = modelId })).GetAwaiter().GetResult();
        var limits = ImageLimits.Default;
        var found = 0;
        for (var i = 0; i < 10; i++)
        {
            using var warm = new Frame(i, DateTimeOffset.UtcNow, FrameDecoder.Decode(frames[i % frames.Count], limits), 0);
            faces.Process(warm, CancellationToken.None);
            classify.Process(warm, CancellationToken.None);
        }

        var clock = Stopwatch.StartNew();
        var n = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            using var frame = new Frame(n, DateTimeOffset.UtcNow, FrameDecoder.Decode(frames[n % frames.Count], limits), 0);
            faces.Process(frame, CancellationToken.None);
            classify.Process(frame, CancellationToken.None);
            found += frame.Faces.Count > 0 ? 1 : 0;
            n++;
        }

        Console.WriteLine($"  reference (decode + detect + classify in a plain loop, no runtime/HTTP/store): {n / clock.Elapsed.TotalSeconds:0.0} frames/s over {n} frames; a face on {100.0 * found / n:0}% of them");
    }

    private static async Task PipelineAsync(IServiceProvider services, List<byte[]> frames, string modelId)
    {
        await using var camera = await MjpegTestServer.StartAsync(frames, fps: 100);
        var definition = PipelineDefinitionReader.ReadJson($$"""
            {
              "name": "bench",
              "queue_capacity": 4,
              "steps": [
                { "component": "mjpeg_camera", "settings": { "url": "{{camera.StreamUrl}}" } },
                { "component": "face_detection" },
                { "component": "classify", "settings": { "model": "{{modelId}}" } },
                { "component": "results_store" }
              ]
            }
            """);
        var runner = await services.GetRequiredService<PipelineBuilder>().BuildAsync(definition, 1, CancellationToken.None);
        await using (runner)
        {
            runner.Start();
            await Task.Delay(TimeSpan.FromSeconds(4));
            var start = runner.Metrics();
            var clock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(20));
            var end = runner.Metrics();
            var seconds = clock.Elapsed.TotalSeconds;
            var stored = end.Steps[^1].FramesOut - start.Steps[^1].FramesOut;
            var received = end.Steps[0].FramesOut - start.Steps[0].FramesOut;
            Console.WriteLine($"  ours (MJPEG over HTTP, bounded queues, drop-oldest, results store with previews): {stored / seconds:0.0} frames/s end to end " +
                              $"(camera delivered {received / seconds:0.0} frames/s; target >= 25), end-to-end latency p50 {end.EndToEndP50Ms:0.0} ms, p95 {end.EndToEndP95Ms:0.0} ms");
            foreach (var s in end.Steps)
            {
                Console.WriteLine($"    {s.Step,-15} p50 {s.LatencyP50Ms,7:0.00} ms  p95 {s.LatencyP95Ms,7:0.00} ms  {s.Fps,6:0.0} fps  drops {s.Drops,6}  errors {s.Errors}");
            }
        }
    }

    private static async Task PredictUnderLoadAsync(DataDirectory data, string modelId, string masks)
    {
        const int clients = 16;
        var image = await File.ReadAllBytesAsync(Directory.EnumerateFiles(Path.Combine(masks, "without_mask"), "*.jpg").Order(StringComparer.Ordinal).First());
        Console.WriteLine();
        Console.WriteLine($"## POST /api/predict on a 'vf serve' process (mobilenet_v3_small, 224 px), {clients} concurrent clients in this process over loopback, 10 s each");
        using var server = await VfProcess.StartAsync("server", data.Root, null, "all");
        await LoadAsync(server.Client, $"/api/predict?model={modelId}", image, clients, "ours: POST /api/predict (batched, bounded queue)", multipart: false);
        await LoadAsync(server.Client, $"/api/models/{modelId}/predictions", image, clients, "reference: POST /api/models/{id}/predictions (one request, one forward, model loaded per request)", multipart: true);
    }

    private static async Task LoadAsync(HttpClient client, string path, byte[] image, int clients, string label, bool multipart)
    {
        async Task<(HttpStatusCode Status, double Ms)> One()
        {
            using HttpContent content = multipart ? new MultipartFormDataContent { { new ByteArrayContent(image), "files", "face.jpg" } } : new ByteArrayContent(image);
            if (!multipart)
            {
                content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            }

            var clock = Stopwatch.StartNew();
            using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);
            return (response.StatusCode, clock.Elapsed.TotalMilliseconds);
        }

        for (var i = 0; i < 3; i++)
        {
            await One();
        }

        var results = new System.Collections.Concurrent.ConcurrentBag<(HttpStatusCode Status, double Ms)>();
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (total.Elapsed < TimeSpan.FromSeconds(10))
            {
                results.Add(await One());
            }
        }));
        var ok = results.Where(r => r.Status == HttpStatusCode.OK).Select(r => r.Ms).Order().ToArray();
        var refused = results.Count(r => r.Status == HttpStatusCode.TooManyRequests);
        var other = results.Count - ok.Length - refused;
        string P(double q) => ok.Length == 0 ? "-" : $"{ok[Math.Min(ok.Length - 1, (int)(q * ok.Length))]:0.0} ms";
        Console.WriteLine($"  {label}: {ok.Length / total.Elapsed.TotalSeconds:0.0} requests/s, p50 {P(0.50)}, p99 {P(0.99)}; 429: {refused}, other errors: {other}");
    }
}
