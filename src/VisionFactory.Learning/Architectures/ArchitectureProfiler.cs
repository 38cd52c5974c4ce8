using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using VisionFactory.Learning.Inference;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Architectures;

/// <summary>Measured facts of an architecture: parameters, multiply-accumulates per image, CPU latency.</summary>
public static class ArchitectureProfiler
{
    /// <summary>
    /// Parameters with a 1000-class head, as torchvision counts them, and multiply-accumulate operations of one
    /// forward pass at the default input size, counted from the shapes the convolutions and linear layers actually
    /// see (torchvision's "GFLOPS" figures use the same convention).
    /// </summary>
    public static (long Parameters, long Flops) Profile(ArchitectureDefinition architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);

        // The figures depend only on the code, so every process of the same build shares them; building a VGG
        // just to count it takes seconds.
        var cached = Path.Combine(Path.GetTempPath(), "visionfactory-profiles", typeof(ArchitectureProfiler).Module.ModuleVersionId.ToString("N"), architecture.Name);
        if (File.Exists(cached) && File.ReadAllText(cached).Split(' ') is [var p, var f]
            && long.TryParse(p, CultureInfo.InvariantCulture, out var knownParameters) && long.TryParse(f, CultureInfo.InvariantCulture, out var knownFlops))
        {
            return (knownParameters, knownFlops);
        }

        var profile = Count(architecture);
        Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
        var temp = cached + "." + Guid.NewGuid().ToString("N")[..8];
        File.WriteAllText(temp, string.Create(CultureInfo.InvariantCulture, $"{profile.Parameters} {profile.Flops}"));
        File.Move(temp, cached, overwrite: true);
        return profile;
    }

    private static (long Parameters, long Flops) Count(ArchitectureDefinition architecture)
    {
        using var module = architecture.CreateModule(1000);
        var parameters = module.parameters().Sum(p => p.numel());
        module.eval();
        long total = 0;
        var hooks = new List<Action>();
        foreach (var (_, child) in module.named_modules())
        {
            switch (child)
            {
                case Conv2d conv:
                    var convHook = conv.register_forward_hook((_, _, output) =>
                    {
                        var w = conv.weight!.shape;
                        total += output.numel() * w[1] * w[2] * w[3];
                        return output;
                    });
                    hooks.Add(convHook.remove);
                    break;
                case Linear linear:
                    var linearHook = linear.register_forward_hook((_, _, output) =>
                    {
                        total += output.numel() * linear.weight!.shape[1];
                        return output;
                    });
                    hooks.Add(linearHook.remove);
                    break;
            }
        }

        try
        {
            using var scope = NewDisposeScope();
            using var _ = inference_mode();
            module.call(zeros(1, 3, architecture.DefaultImageSize, architecture.DefaultImageSize));
        }
        finally
        {
            hooks.ForEach(remove => remove());
        }

        return (parameters, total);
    }

    /// <summary>
    /// CPU latency in milliseconds of classifying one image at the default size, as <see cref="CpuLatency"/> defines it
    /// (steady state, median of <paramref name="runs"/> passes, <paramref name="threads"/> threads).
    /// </summary>
    public static double CpuLatencyMilliseconds(ArchitectureDefinition architecture, int threads, int runs = CpuLatency.Runs, double warmUpSeconds = 20)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        // The product's inference path: the built network (with its layout choice) in evaluation mode.
        using var network = architecture.Build(1000, architecture.DefaultImageSize, loadPretrained: false);
        network.Module.eval();
        using var input = randn(1, 3, architecture.DefaultImageSize, architecture.DefaultImageSize);
        using var _ = inference_mode();
        void Pass()
        {
            using var scope = NewDisposeScope();
            network.Logits(input);
        }

        return CpuLatency.MedianMilliseconds(Pass, threads, runs, TimeSpan.FromSeconds(warmUpSeconds));
    }
}
