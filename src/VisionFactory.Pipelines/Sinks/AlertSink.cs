using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Domain.Pipelines;
using VisionFactory.Pipelines.Runtime;
using VisionFactory.Storage.Database;

namespace VisionFactory.Pipelines.Sinks;

/// <summary>Settings of <c>alert</c>.</summary>
public sealed class AlertSettings
{
    public string Label { get; set; } = "";

    public double MinConfidence { get; set; } = 0.8;

    public int ConsecutiveFrames { get; set; } = 3;
}

/// <summary>
/// Raises an alert when a label is seen above a confidence on a number of consecutive frames (e.g. "without_mask" above
/// 0.8 on 3 frames). One alert per streak: the rule re-arms after a frame without the label.
/// </summary>
public sealed class AlertSink(AlertSettings settings, IServiceProvider services, Action<PipelineEventKind, string> report, TimeProvider clock) : IResultSink
{
    private int streak;
    private double peak;

    public bool WantsThumbnail => false;

    public int Raised { get; private set; }

    public async Task WriteAsync(FrameResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var hit = result.Labels.Where(l => l.Label == settings.Label && l.Confidence > settings.MinConfidence).Select(l => l.Confidence).DefaultIfEmpty(-1).Max();
        if (hit < 0)
        {
            streak = 0;
            peak = 0;
            return;
        }

        streak++;
        peak = Math.Max(peak, hit);
        if (streak != settings.ConsecutiveFrames)
        {
            return;
        }

        Raised++;
        var message = string.Create(CultureInfo.InvariantCulture,
            $"'{settings.Label}' above {settings.MinConfidence:0.##} on {settings.ConsecutiveFrames} consecutive frames (up to {peak:0.###}), frame {result.Sequence}");
        report(PipelineEventKind.Alert, message);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        db.PipelineAlerts.Add(new PipelineAlert
        {
            Pipeline = result.Pipeline,
            RaisedAt = clock.GetUtcNow(),
            Label = settings.Label,
            Confidence = peak,
            Frames = settings.ConsecutiveFrames,
            Message = message,
        });
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
