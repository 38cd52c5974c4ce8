using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenCvSharp;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Models;
using VisionFactory.Factory.Training;
using VisionFactory.Pipelines.Runtime;
using VisionFactory.Storage.Database;
using VisionFactory.Testing;

namespace VisionFactory.Pipelines.Tests;

/// <summary>
/// The mission's pipeline end to end: the masks photos streamed as MJPEG, faces found by YuNet, each face classified
/// by a model trained here, results in the store; the labels equal a direct prediction on the same crops.
/// </summary>
public sealed class MaskPipelineTests
{
    private const int PerClass = 20;

    [Fact]
    public async Task MaskPipelineFindsAFaceOnNearlyEveryFrameAndItsLabelsMatchDirectPrediction()
    {
        await using var host = await PipelineTestHost.StartAsync();
        var frames = MaskFrames();
        var modelId = await TrainTinyModelAsync(host);

        await using var camera = await MjpegTestServer.StartAsync(frames, fps: 15, loop: false);
        var runner = await host.StartPipelineAsync($$"""
            {
              "name": "masks",
              "queue_capacity": 64,
              "steps": [
                { "component": "mjpeg_camera", "settings": { "url": "{{camera.StreamUrl}}" } },
                { "component": "face_detection" },
                { "component": "classify", "settings": { "model": "{{modelId}}" } },
                { "component": "results_store" }
              ]
            }
            """);
        List<Domain.Pipelines.PipelineResult> results;
        await using (runner)
        {
            Assert.DoesNotContain(runner.Metrics().Events, e => e.Kind == PipelineEventKind.Warning);
            await Eventually.TrueAsync(() => runner.Metrics().Steps[^1].FramesOut >= frames.Count, TimeSpan.FromSeconds(90), "every frame in the store",
                () => System.Text.Json.JsonSerializer.Serialize(runner.Metrics()));
            var metrics = runner.Metrics();
            Assert.All(metrics.Steps, s => Assert.Equal(0, s.Drops));
            Assert.All(metrics.Steps, s => Assert.Equal(0, s.Errors));
            await using var scope = host.Services.CreateAsyncScope();
            results = await scope.ServiceProvider.GetRequiredService<VisionFactoryDb>().PipelineResults.OrderBy(r => r.Sequence).ToListAsync();
        }

        Assert.Equal(frames.Count, results.Count);
        var withFace = results.Count(r => r.Detections.Any(d => d.X is not null));
        Assert.True(withFace >= 0.95 * frames.Count, $"a face was found on {withFace} of {frames.Count} frames");
        Assert.All(results, r => Assert.NotNull(r.ThumbnailSha256));

        // Every face's crop, cut from the same decoded frame and classified the way 'vf predict' classifies a file.
        var crops = new List<(string Name, byte[] Bytes)>();
        var expected = new List<(string Label, double Confidence)>();
        foreach (var result in results)
        {
            using var image = Cv2.ImDecode(frames[(int)result.Sequence - 1], ImreadModes.Color);
            foreach (var d in result.Detections.Where(d => d.X is not null && d.Label is not null))
            {
                using var crop = new Mat(image, new Rect(d.X!.Value, d.Y!.Value, d.Width!.Value, d.Height!.Value));
                Cv2.ImEncode(".png", crop, out var png);
                crops.Add(($"{result.Sequence}-{crops.Count}.png", png));
                expected.Add((d.Label!, d.Confidence!.Value));
            }
        }

        await using var predictScope = host.Services.CreateAsyncScope();
        var direct = await predictScope.ServiceProvider.GetRequiredService<ModelService>().PredictAsync(modelId, crops, CancellationToken.None);
        Assert.Equal(expected.Count, direct.Count);
        // Batches of other sizes may differ in the last float digits, so a label is compared where the decision is not a
        // coin toss within that noise (two classes: a top confidence above 0.501).
        var undecided = 0;
        for (var i = 0; i < direct.Count; i++)
        {
            Assert.Equal(expected[i].Confidence, direct[i].Confidence!.Value, 0.001);
            if (direct[i].Confidence!.Value < 0.501)
            {
                undecided++;
                continue;
            }

            Assert.Equal(expected[i].Label, direct[i].Label);
        }

        Assert.True(undecided <= direct.Count / 10, $"{undecided} of {direct.Count} crops were too close to call");
    }

    [Fact]
    public async Task WithoutAYuNetModelFaceDetectionFallsBackToHaarWithAVisibleWarning()
    {
        await using var host = await PipelineTestHost.StartAsync(new Hosting.PipelineOptions());
        await using var camera = await MjpegTestServer.StartAsync(MaskFrames().Take(4).ToList(), fps: 20);
        var runner = await host.StartPipelineAsync($$"""
            {
              "name": "haar",
              "steps": [
                { "component": "mjpeg_camera", "settings": { "url": "{{camera.StreamUrl}}" } },
                { "component": "face_detection", "settings": { "model_path": "/nonexistent/yunet.onnx" } },
                { "component": "file", "settings": { "file_name": "haar.jsonl" } }
              ]
            }
            """);
        await using (runner)
        {
            var warning = Assert.Single(runner.Metrics().Events, e => e.Kind == PipelineEventKind.Warning);
            Assert.Equal("face_detection", warning.Step);
            Assert.Contains("Haar cascade", warning.Message, StringComparison.Ordinal);
            Assert.Contains("misses most masked faces", warning.Message, StringComparison.Ordinal);
            await Eventually.TrueAsync(() => runner.Frames >= 4, TimeSpan.FromSeconds(20), "frames through the Haar detector");
        }
    }

    /// <summary>The first masks photos of each class, alternating.</summary>
    private static List<byte[]> MaskFrames()
    {
        static IEnumerable<string> Of(string label) =>
            Directory.EnumerateFiles(Path.Combine(SharedFiles.Masks, label), "*.jpg").Order(StringComparer.Ordinal).Take(PerClass);
        return Of("with_mask").Zip(Of("without_mask")).SelectMany(p => new[] { p.First, p.Second }).Select(File.ReadAllBytes).ToList();
    }

    /// <summary>A small CNN trained for a few seconds on other masks photos (how good it is does not matter here).</summary>
    private static async Task<string> TrainTinyModelAsync(PipelineTestHost host)
    {
        var folder = host.Scratch("masks-subset");
        foreach (var label in new[] { "with_mask", "without_mask" })
        {
            Directory.CreateDirectory(Path.Combine(folder, label));
            foreach (var file in Directory.EnumerateFiles(Path.Combine(SharedFiles.Masks, label), "*.jpg").Order(StringComparer.Ordinal).Skip(PerClass).Take(16))
            {
                File.Copy(file, Path.Combine(folder, label, Path.GetFileName(file)));
            }
        }

        await using var scope = host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatasetImporter>().ImportAsync("masks", folder, ImportOptions.Default, null, CancellationToken.None);
        var model = await scope.ServiceProvider.GetRequiredService<TrainingService>().TrainAsync(
            "masks",
            new TrainingSpec { Architecture = "small_cnn", Mode = TrainingMode.Finetune, Pretrained = false, Epochs = 2, ImageSize = 32, BatchSize = 8 },
            null,
            CancellationToken.None);
        return model.Id;
    }
}
