using System.Diagnostics;
using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Processors;

/// <summary>Settings of <c>sample</c>.</summary>
public sealed class SampleSettings
{
    /// <summary>Keep one frame in n (1 keeps all).</summary>
    public int EveryNth { get; set; } = 1;

    /// <summary>Keep at most this many frames per second (0: no limit).</summary>
    public double MaxFps { get; set; }
}

/// <summary>Thins the stream before expensive steps: every n-th frame, and no more than a maximum rate.</summary>
public sealed class SampleProcessor(SampleSettings settings) : IFrameProcessor
{
    private long seen;
    private long lastKept = long.MinValue;

    public bool Process(Frame frame, CancellationToken cancellationToken)
    {
        if (seen++ % Math.Max(1, settings.EveryNth) != 0)
        {
            return false;
        }

        if (settings.MaxFps > 0)
        {
            var now = Stopwatch.GetTimestamp();
            var minimum = (long)(Stopwatch.Frequency / settings.MaxFps);
            if (lastKept != long.MinValue && now - lastKept < minimum)
            {
                return false;
            }

            lastKept = now;
        }

        return true;
    }

    public void Dispose()
    {
    }
}
