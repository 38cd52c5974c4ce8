using VisionFactory.Domain.Models.Metrics;
using VisionFactory.Server.Components.Charts;

namespace VisionFactory.Server.Components.Pages.Compare;

/// <summary>
/// A model's curves as its charts draw them: ROC and precision-recall curves through their own points (a perfect ROC
/// rises up the left edge, then runs along the top), per-epoch figures of several runs on one epoch axis, and the
/// reliability curve against the diagonal of perfect calibration.
/// </summary>
public static class CurvePlots
{
    /// <summary>Curves whose x and y run from 0 to 1 (ROC, precision-recall), one series each; curves without points are left out.</summary>
    public static PlotData OnUnitAxis(IEnumerable<(string Name, IReadOnlyList<CurvePoint> Points)> curves)
    {
        ArgumentNullException.ThrowIfNull(curves);
        return new PlotData(
        [
            .. curves.Where(c => c.Points.Count > 0)
                .Select(c => new PlotSeries(c.Name, [.. c.Points.Select(p => p.X)], [.. c.Points.Select(p => (double?)p.Y)])),
        ]);
    }

    /// <summary>Per-epoch values of several runs on one epoch axis, from epoch 1; a value that is not a number leaves a gap.</summary>
    public static PlotData ByEpoch(IEnumerable<(string Name, IReadOnlyList<double> Values)> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return new PlotData(
        [
            .. runs.Where(r => r.Values.Count > 0).Select(r => new PlotSeries(
                r.Name,
                [.. Enumerable.Range(1, r.Values.Count).Select(e => (double)e)],
                [.. r.Values.Select(v => double.IsFinite(v) ? v : (double?)null)]) { Markers = r.Values.Count == 1 }),
        ]);
    }

    /// <summary>
    /// Accuracy against mean confidence of each bin that holds images (marked: a confident model fills one bin, and a
    /// line through one point is invisible), beside the diagonal where accuracy equals confidence.
    /// </summary>
    public static PlotData Reliability(CalibrationReport calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        var filled = calibration.Bins.Where(b => b is { Count: > 0, Confidence: not null, Accuracy: not null }).ToList();
        return new PlotData(
        [
            new PlotSeries("accuracy", [.. filled.Select(b => b.Confidence!.Value)], [.. filled.Select(b => b.Accuracy)]) { Markers = true },
            new PlotSeries("perfect calibration", [0, 1], [0, 1]) { Reference = true },
        ]);
    }
}
