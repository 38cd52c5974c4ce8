using System.Diagnostics;

namespace VisionFactory.Pipelines.Runtime;

/// <summary>
/// Live counters of one step: frames in and out, frames per second over the recent window, latency percentiles of
/// the recent frames, frames dropped from its full queue, errors, and (sources) reconnects and stalls.
/// </summary>
public sealed class StepMetrics(string step, string component, string kind)
{
    private const int Window = 256;
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(5);
    private readonly double[] latencies = new double[Window];
    private readonly long[] outputs = new long[Window];
    private readonly Lock gate = new();
    private int latencyCount;
    private int latencyNext;
    private int outputCount;
    private int outputNext;
    private long framesIn;
    private long framesOut;
    private long drops;
    private long errors;
    private long reconnects;
    private long stalls;
    private string? lastError;

    public string Step { get; } = step;

    /// <summary>The queue in front of this step, for its length; set by the runtime.</summary>
    public Func<int>? QueueLength { get; set; }

    public int QueueCapacity { get; set; }

    public string State { get; set; } = "starting";

    public long Drops => Interlocked.Read(ref drops);

    public long Errors => Interlocked.Read(ref errors);

    public long FramesOut => Interlocked.Read(ref framesOut);

    public long Reconnects => Interlocked.Read(ref reconnects);

    public long Stalls => Interlocked.Read(ref stalls);

    public void CountIn() => Interlocked.Increment(ref framesIn);

    public void CountDrop() => Interlocked.Increment(ref drops);

    public void CountReconnect() => Interlocked.Increment(ref reconnects);

    public void CountStall() => Interlocked.Increment(ref stalls);

    public void CountError(string message)
    {
        Interlocked.Increment(ref errors);
        lock (gate)
        {
            lastError = message;
        }
    }

    /// <summary>Records one frame handled in <paramref name="elapsedTicks"/> (Stopwatch ticks); <paramref name="passed"/> when it went on.</summary>
    public void Record(long elapsedTicks, bool passed)
    {
        var now = Stopwatch.GetTimestamp();
        lock (gate)
        {
            latencies[latencyNext] = elapsedTicks * 1000.0 / Stopwatch.Frequency;
            latencyNext = (latencyNext + 1) % Window;
            latencyCount = Math.Min(latencyCount + 1, Window);
            if (passed)
            {
                outputs[outputNext] = now;
                outputNext = (outputNext + 1) % Window;
                outputCount = Math.Min(outputCount + 1, Window);
            }
        }

        if (passed)
        {
            Interlocked.Increment(ref framesOut);
        }
    }

    public StepMetricsSnapshot Snapshot()
    {
        double[] recent;
        double fps;
        string? error;
        lock (gate)
        {
            recent = latencies.Take(latencyCount).ToArray();
            fps = Rate();
            error = lastError;
        }

        Array.Sort(recent);
        return new StepMetricsSnapshot(
            Step, component, kind, State,
            Interlocked.Read(ref framesIn), FramesOut, Math.Round(fps, 2),
            Percentile(recent, 0.50), Percentile(recent, 0.95),
            QueueLength?.Invoke() ?? 0, QueueCapacity, Drops, Errors, Reconnects, Stalls, error);
    }

    // Outputs within the last few seconds; a step that stopped producing reads 0 rather than its old rate.
    private double Rate()
    {
        var now = Stopwatch.GetTimestamp();
        var horizon = now - (long)(RateWindow.TotalSeconds * Stopwatch.Frequency);
        var inWindow = new List<long>(outputCount);
        for (var i = 0; i < outputCount; i++)
        {
            if (outputs[i] >= horizon)
            {
                inWindow.Add(outputs[i]);
            }
        }

        if (inWindow.Count < 2)
        {
            return 0;
        }

        var seconds = (now - inWindow.Min()) / (double)Stopwatch.Frequency;
        return seconds <= 0 ? 0 : (inWindow.Count - 1) / seconds;
    }

    private static double? Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? null : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)], 2);
}

/// <summary>A step's figures at one moment.</summary>
public sealed record StepMetricsSnapshot(
    string Step,
    string Component,
    string Kind,
    string State,
    long FramesIn,
    long FramesOut,
    double Fps,
    double? LatencyP50Ms,
    double? LatencyP95Ms,
    int QueueLength,
    int QueueCapacity,
    long Drops,
    long Errors,
    long Reconnects,
    long Stalls,
    string? LastError);

/// <summary>A pipeline's figures at one moment: each step's, the end-to-end latency and the recent events.</summary>
public sealed record PipelineMetrics(
    string Pipeline,
    int Version,
    string State,
    DateTimeOffset? StartedAt,
    long Frames,
    double? EndToEndP50Ms,
    double? EndToEndP95Ms,
    IReadOnlyList<StepMetricsSnapshot> Steps,
    IReadOnlyList<PipelineEvent> Events);
