using System.Text.RegularExpressions;
using VisionFactory.Testing;

namespace VisionFactory.Acceptance.Tests;

/// <summary>
/// The README's quick start, command by command, as a new user types it: the published vf, each command a process of
/// its own with a fresh home, the data directory left at its default (./data of the working directory).
/// </summary>
[Collection(PublishedVfGroup.Name)]
public sealed partial class QuickStartTests(PublishedVf vf)
{
    [Fact]
    public void TheQuickStartBuildsAFaceMaskClassifierAndPredictsInFreshProcesses()
    {
        var here = vf.NewFolder("quick-start");

        var import = vf.Run(here, null, "dataset", "import", "masks", SharedFiles.Masks);
        import.AssertSucceeded();
        Assert.Contains("with_mask", import.Output, StringComparison.Ordinal);

        var train = vf.Run(here, null, "train", "masks", "--arch", "resnet18-imagenet", "--mode", "head", "--wait");
        train.AssertSucceeded();
        var model = ModelId().Match(train.Output);
        Assert.True(model.Success, $"vf train printed no model id:\n{train.Output}");

        var evaluate = vf.Run(here, null, "evaluate", model.Value);
        evaluate.AssertSucceeded();
        Assert.Contains("accuracy", evaluate.Output, StringComparison.OrdinalIgnoreCase);
        var report = vf.Json(here, "evaluate", model.Value);
        Assert.True(report.GetProperty("accuracy").GetDouble() >= 0.97, $"test accuracy {report.GetProperty("accuracy")}");
        Assert.Equal("test", report.GetProperty("split").GetString());

        var folder = Path.Combine(SharedFiles.Masks, "with_mask");
        var predict = vf.Run(here, null, "predict", model.Value, folder);
        predict.AssertSucceeded();
        var predictions = vf.Json(here, "predict", model.Value, folder).GetProperty("predictions").EnumerateArray().ToList();
        var images = Directory.EnumerateFiles(folder).Count(f => !Path.GetFileName(f).StartsWith('.'));
        Assert.Equal(images, predictions.Count);
        var withMask = predictions.Count(p => p.GetProperty("label").GetString() == "with_mask");
        Assert.True(withMask >= 0.95 * images, $"{withMask} of {images} with_mask pictures were labelled with_mask");

        // Predicting ran on ONNX Runtime, whose official build (1.29 and later) keeps a device id and an event store for
        // its uploads to Microsoft in the home folder unless told not to: a self-hosted platform does not phone home.
        var telemetry = Path.Combine(predict.Home, ".cache", "Microsoft", "DeveloperTools", ".onnxruntime");
        Assert.False(Directory.Exists(telemetry), $"ONNX Runtime's telemetry wrote {string.Join(", ", Directory.Exists(telemetry) ? Directory.GetFiles(telemetry).Select(Path.GetFileName) : [])}");

        // TorchSharp's fallback, taken when its native library does not load, copies ~480 MB of libraries next to vf.
        Assert.False(Directory.Exists(Path.Combine(vf.Folder, "cpu")), "TorchSharp fell back to copying its native libraries into the publish folder");
    }

    [GeneratedRegex(@"\bm-[0-9a-f]{8}\b")]
    private static partial Regex ModelId();
}
