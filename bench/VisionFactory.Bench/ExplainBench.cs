using System.Diagnostics;
using VisionFactory.Domain.Models;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Explanations;
using VisionFactory.Learning.Inference;
using static TorchSharp.torch;

namespace VisionFactory.Bench;

/// <summary>
/// What an explanation costs: CAM, Grad-CAM and Grad-CAM++ of one 224 px image through ResNet-18, beside a plain forward
/// pass of the same image through the same network, timed in alternating rounds in one process (target: Grad-CAM at
/// most 3x the forward pass).
/// </summary>
internal static class ExplainBench
{
    public static void Run(int threads = 2, int perRound = 10, int rounds = 5)
    {
        const int size = 224;
        set_num_threads(threads);
        Console.WriteLine();
        Console.WriteLine($"## Explanations: ResNet-18 (torchvision layout, random weights, 2 classes), one {size} px image, {threads} threads; {rounds} rounds of {perRound}, median per image");
        manual_seed(1);
        using var network = ArchitectureCatalog.Default.Get("resnet18").Build(2, size, loadPretrained: false);
        var random = new Random(3);
        var image = new byte[size * size * 3];
        random.NextBytes(image);
        byte[][] batch = [image];

        // Warm-up, and the one-time probe of the feature-map layers.
        for (var i = 0; i < 2; i++)
        {
            ImageClassifier.Probabilities(network, batch, 1, CancellationToken.None);
            HeatMapExplainer.Explain(network, batch, ExplanationMethod.GradCam);
            HeatMapExplainer.Explain(network, batch, ExplanationMethod.Cam);
        }

        var timings = new Dictionary<string, List<double>>(StringComparer.Ordinal)
        {
            ["forward"] = [], ["cam"] = [], ["gradcam"] = [], ["gradcam++"] = [],
        };
        for (var round = 0; round < rounds; round++)
        {
            timings["forward"].Add(Time(perRound, () => ImageClassifier.Probabilities(network, batch, 1, CancellationToken.None)));
            timings["cam"].Add(Time(perRound, () => HeatMapExplainer.Explain(network, batch, ExplanationMethod.Cam)));
            timings["gradcam"].Add(Time(perRound, () => HeatMapExplainer.Explain(network, batch, ExplanationMethod.GradCam)));
            timings["gradcam++"].Add(Time(perRound, () => HeatMapExplainer.Explain(network, batch, ExplanationMethod.GradCamPlusPlus)));
        }

        var forward = Median(timings["forward"]);
        Console.WriteLine($"  plain forward (inference mode)   {forward,8:0.0} ms/image");
        foreach (var method in new[] { "cam", "gradcam", "gradcam++" })
        {
            var ms = Median(timings[method]);
            Console.WriteLine($"  {method,-32} {ms,8:0.0} ms/image  = {ms / forward:0.00}x the forward pass{(method == "gradcam" ? ms / forward <= 3 ? "  (target <= 3x: met)" : "  (target <= 3x: NOT met)" : "")}");
        }

        Console.WriteLine($"  target layer: {FeatureMapLayers.Choose(network, null).Name}");
    }

    private static double Time(int count, Action action)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            action();
        }

        return clock.Elapsed.TotalMilliseconds / count;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
