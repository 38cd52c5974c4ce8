using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace VisionFactory.Bench;

/// <summary>
/// <c>ops</c>: single operations of a batch-1 forward pass at ResNeXt-50's shapes (its first and third stage), ours
/// beside Debian PyTorch's (<c>pytorch_ops.py</c>) in the same run, with the minor page faults each of ours took. The
/// figures behind <see cref="VisionFactory.Learning.Native.NativeHeap"/>: rerun with
/// <c>GLIBC_TUNABLES=glibc.malloc.perturb=0</c> (a setting that changes nothing, but marks malloc as the person's
/// choice) to see glibc's defaults.
/// </summary>
internal static class OpsBench
{
    public static void Run()
    {
        const int threads = 2, warmUp = 50, timed = 300;
        torch.set_num_threads(threads);
        Console.WriteLine();
        Console.WriteLine($"## Operations at batch 1: ms per call, {threads} threads, {warmUp} untimed then {timed} timed calls (evaluation); faults = minor page faults per call (ours)");
        var ours = new List<(string Label, double Ms, double Faults)>();
        using (inference_mode())
        {
            void Time(string label, Func<Tensor> op)
            {
                for (var i = 0; i < warmUp; i++)
                {
                    using var scope = NewDisposeScope();
                    op();
                }

                var faults = MinorFaults();
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < timed; i++)
                {
                    using var scope = NewDisposeScope();
                    op();
                }

                ours.Add((label, clock.Elapsed.TotalMilliseconds / timed, (MinorFaults() - faults) / (double)timed));
            }

            foreach (var (c, hw) in new[] { (128, 56), (512, 14) })
            {
                using var grouped = nn.Conv2d(c, c, 3, padding: 1, groups: 32, bias: false);
                using var down = nn.Conv2d(2 * c, c, 1, bias: false);
                using var up = nn.Conv2d(c, 2 * c, 1, bias: false);
                using var bn = nn.BatchNorm2d(c);
                grouped.eval();
                down.eval();
                up.eval();
                bn.eval();
                using var x = randn(1, c, hw, hw);
                using var wide = randn(1, 2 * c, hw, hw);
                Time($"grouped 3x3 {c}->{c} at {hw}", () => grouped.call(x));
                Time($"1x1 {2 * c}->{c} at {hw}", () => down.call(wide));
                Time($"1x1 {c}->{2 * c} at {hw}", () => up.call(x));
                Time($"batch norm {c} at {hw}", () => bn.call(x));
                Time($"relu {c} at {hw}", () => nn.functional.relu(x));
                Time($"add {2 * c} at {hw}", () => wide + wide);
            }
        }

        var reference = new PyTorchReference(Path.Combine(Repository.Root, "bench", "VisionFactory.Bench", "pytorch_ops.py"))
            .Run("--threads", $"{threads}");
        Console.WriteLine($"  {"operation",-28} {"ours ms",9} {"faults",8} {"pytorch ms",11} {"ratio",7}");
        foreach (var (label, ms, faults) in ours)
        {
            double? theirs = reference is { } r && r.GetProperty("ops").TryGetProperty(label, out var value) ? value.GetDouble() : null;
            Console.WriteLine($"  {label,-28} {ms,9:0.000} {faults,8:0} {(theirs is { } t ? t.ToString("0.000", CultureInfo.InvariantCulture) : "n/a"),11} {(theirs is { } u ? (u / ms).ToString("0.00", CultureInfo.InvariantCulture) : ""),7}");
        }
    }

    // Field 10 of /proc/self/stat: minor faults of the process so far.
    private static long MinorFaults()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }
}
