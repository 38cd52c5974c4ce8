using System.Diagnostics;
using System.Globalization;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Inference;
using static TorchSharp.torch;

namespace VisionFactory.Bench;

/// <summary>
/// latency [ARCH] [SIZE]: the ways VisionFactory used to measure one network's CPU latency, side by side with the one
/// definition every page now shows (<see cref="CpuLatency"/>), on one image through the product's inference path.
/// Before, the model and Compare pages showed the evaluation's figure, the assistant its own and the zoo a third.
/// </summary>
internal static class LatencyBench
{
    public static void Run(string architectureName, int size)
    {
        var architecture = ArchitectureCatalog.Default.Get(architectureName);
        var cores = Environment.ProcessorCount;
        Console.WriteLine($"latency of {architecture.Name} at {size} px, one image, on {cores} cores");

        var load = Stopwatch.StartNew();
        using var network = architecture.Build(2, size, loadPretrained: false);
        network.Module.eval();
        var building = load.Elapsed.TotalMilliseconds;
        var image = new byte[size * size * 3];
        Array.Fill(image, (byte)128);
        List<byte[]> one = [image];
        void Pass() => ImageClassifier.Probabilities(network, one, 1, CancellationToken.None);

        // 1. The first pass: oneDNN's primitives are made and every method is compiled for the first time.
        set_num_threads(1);
        var cold = Time(Pass);
        Row("building the network (model loading)", building, "-");
        Row("first pass, cold", cold, "1");

        // 2. What evaluation measured: a two-second warm-up, then the mean of 8 passes, on the training run's threads.
        foreach (var threads in new[] { 1, cores })
        {
            set_num_threads(threads);
            SteadyState.WarmUp(Pass, TimeSpan.FromSeconds(2));
            var times = Enumerable.Range(0, 8).Select(_ => Time(Pass)).ToList();
            Row("evaluation before: 2 s warm-up, mean of 8", times.Average(), threads.ToString(CultureInfo.InvariantCulture));
        }

        // 3. What the assistant measured: one warm-up pass, then the median of 10, on whatever threads the process had.
        foreach (var threads in new[] { 1, cores })
        {
            set_num_threads(threads);
            using var fresh = architecture.Build(2, size, loadPretrained: false);
            fresh.Module.eval();
            void FreshPass() => ImageClassifier.Probabilities(fresh, one, 1, CancellationToken.None);
            FreshPass();
            var times = Enumerable.Range(0, 10).Select(_ => Time(FreshPass)).Order().ToList();
            Row("assistant before: 1 warm-up pass, median of 10", times[5], threads.ToString(CultureInfo.InvariantCulture));
        }

        // 4. The one definition now used everywhere.
        foreach (var threads in new[] { 1, cores })
        {
            Row($"CpuLatency ({CpuLatency.Describe(threads)})", CpuLatency.MedianMilliseconds(Pass, threads), threads.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static double Time(Action pass)
    {
        var start = Stopwatch.GetTimestamp();
        pass();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static void Row(string what, double ms, string threads) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {what,-75} {threads,7} threads {ms,9:0.0} ms"));
}
