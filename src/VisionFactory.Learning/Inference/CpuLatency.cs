using System.Diagnostics;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Inference;

/// <summary>
/// The one definition of a network's CPU latency that every figure shows (the zoo, a model's evaluation, the model
/// assistant, the model and Compare pages): one image (batch 1) through the whole network, after the JIT has settled
/// (<see cref="SteadyState"/>), the median of <see cref="Runs"/> passes, on <see cref="Threads"/> CPU threads.
/// </summary>
/// <remarks>
/// Figures measured otherwise disagree by several times: a mean over the first passes after a two-second warm-up
/// catches the JIT's recompilations, and the thread count is whatever the last training run set for the process.
/// </remarks>
public static class CpuLatency
{
    /// <summary>Timed passes; the figure is their median.</summary>
    public const int Runs = 10;

    /// <summary>The longest warm-up before the timed passes (large networks settle sooner in passes, later in time).</summary>
    public static readonly TimeSpan WarmUpBudget = TimeSpan.FromSeconds(20);

    /// <summary>The thread count every figure is measured with: all cores, as a camera pipeline on this machine gets them.</summary>
    public static int Threads => Environment.ProcessorCount;

    /// <summary>What a figure is, for labels: "1 image, steady state, median of 10 passes, 8 CPU threads".</summary>
    public static string Describe(int threads) =>
        $"1 image, steady state, median of {Runs} passes, {threads} CPU thread{(threads == 1 ? "" : "s")}";

    /// <summary>
    /// The median of <paramref name="runs"/> timed calls of <paramref name="pass"/> (one image through the network) on
    /// <paramref name="threads"/> threads, after <see cref="SteadyState.WarmUp"/>; the process's thread count is put back.
    /// </summary>
    public static double MedianMilliseconds(Action pass, int threads, int runs = Runs, TimeSpan? warmUp = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pass);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var previous = get_num_threads();
        set_num_threads(threads);
        try
        {
            SteadyState.WarmUp(pass, warmUp ?? WarmUpBudget, cancellationToken);
            var times = new double[runs];
            for (var i = 0; i < runs; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var start = Stopwatch.GetTimestamp();
                pass();
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            Array.Sort(times);
            return times[runs / 2];
        }
        finally
        {
            set_num_threads(previous);
        }
    }
}
