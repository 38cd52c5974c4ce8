using System.Diagnostics;
using System.Runtime;

namespace VisionFactory.Learning.Inference;

/// <summary>
/// Brings a repeated piece of work (an inference pass) to its steady state before it is timed.
/// </summary>
/// <remarks>
/// .NET compiles a method quickly first and recompiles it optimised once it has been called 30 times; with dynamic PGO
/// (on by default) that happens twice, through an instrumented version. The recompilations run on a background thread.
/// A method a forward pass calls once is therefore recompiled around the 30th and the 60th pass, and on a machine
/// with as many cores as inference threads each recompilation stalls the pass it overlaps: resnet18 on 2 cores runs
/// 26-29 ms passes with 40-100 ms spikes until about the 70th pass. A latency measured over the first passes is the
/// JIT's, not the network's; a camera stream sees the steady state after its first seconds.
/// </remarks>
public static class SteadyState
{
    /// <summary>Passes after which methods called once per pass have been recompiled twice (instrumented, then optimised).</summary>
    public const int TieringPasses = 2 * 30 + 5;

    /// <summary>Runs passes without a method being compiled before the JIT counts as settled.</summary>
    public const int QuietPasses = 10;

    /// <summary>
    /// The most passes run: the compile count is the whole process's, and in a busy process (a server running other
    /// work, a test run) other threads keep compiling, so a quiet stretch may never come.
    /// </summary>
    public const int MaxPasses = 2 * TieringPasses;

    /// <summary>
    /// Runs <paramref name="pass"/> at least once, then until the JIT has settled (at least
    /// <see cref="TieringPasses"/> passes, the last <see cref="QuietPasses"/> of them compiling nothing), until
    /// <see cref="MaxPasses"/> passes, or until <paramref name="budget"/> has passed. Returns how many passes ran.
    /// </summary>
    public static int WarmUp(Action pass, TimeSpan budget, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var clock = Stopwatch.StartNew();
        var compiled = JitInfo.GetCompiledMethodCount();
        var passes = 0;
        var quiet = 0;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            pass();
            passes++;
            var now = JitInfo.GetCompiledMethodCount();
            quiet = now == compiled ? quiet + 1 : 0;
            compiled = now;
        }
        while ((passes < TieringPasses || quiet < QuietPasses) && passes < MaxPasses && clock.Elapsed < budget);

        return passes;
    }
}
