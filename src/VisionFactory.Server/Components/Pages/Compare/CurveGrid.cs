using System.Globalization;
using MudBlazor;
using VisionFactory.Domain.Models.Metrics;

namespace VisionFactory.Server.Components.Pages.Compare;

/// <summary>
/// Curves laid on the category axis of a line chart: ROC / precision-recall curves on an evenly spaced 0..1 grid
/// (each grid value takes the curve's last point at or before it, so steps stay steps), and per-epoch figures of several
/// runs on one epoch axis. Values are plotted as percentages.
/// </summary>
public static class CurveGrid
{
    public const int Steps = 20;

    /// <summary>Curves whose x and y run from 0 to 1 (ROC, precision-recall, reliability), one series each.</summary>
    public static LineChartData OnUnitAxis(IEnumerable<(string Name, IReadOnlyList<CurvePoint> Points)> curves)
    {
        ArgumentNullException.ThrowIfNull(curves);
        var grid = Enumerable.Range(0, Steps + 1).Select(i => (double)i / Steps).ToArray();
        var series = new List<ChartSeries<double>>();
        var plotted = 0;
        foreach (var (name, points) in curves)
        {
            if (points.Count == 0)
            {
                continue;
            }

            var values = grid.Select(x => ValueAt(points, x)).ToArray();
            plotted += values.Count(v => v is not null);
            series.Add(new ChartSeries<double> { Name = name, Data = values.Select(v => v * 100).ToArray() });
        }

        var labels = grid.Select((x, i) => i % 4 == 0 ? x.ToString("0.0", CultureInfo.InvariantCulture) : "").ToArray();
        return new LineChartData(series, labels, plotted);
    }

    /// <summary>Per-epoch values of several runs on one epoch axis (as long as the longest run); shares 0..1 are plotted as percentages.</summary>
    public static LineChartData ByEpoch(IEnumerable<(string Name, IReadOnlyList<double> Values)> runs, bool shares)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var all = runs.Where(r => r.Values.Count > 0).ToList();
        var epochs = all.Select(r => r.Values.Count).DefaultIfEmpty(0).Max();
        var scale = shares ? 100 : 1;
        var series = all.Select(r => new ChartSeries<double>
        {
            Name = r.Name,
            Data = Enumerable.Range(0, epochs).Select(e => e < r.Values.Count && double.IsFinite(r.Values[e]) ? r.Values[e] * scale : (double?)null).ToArray(),
        }).ToList();
        var every = Math.Max(1, (int)Math.Ceiling(epochs / 12.0));
        var labels = Enumerable.Range(1, epochs).Select(e => (e - 1) % every == 0 ? e.ToString(CultureInfo.InvariantCulture) : "").ToArray();
        return new LineChartData(series, labels, all.Sum(r => r.Values.Count(double.IsFinite)));
    }

    /// <summary>The y of the curve's last point whose x is at or before <paramref name="x"/>; null before the first.</summary>
    public static double? ValueAt(IReadOnlyList<CurvePoint> points, double x)
    {
        ArgumentNullException.ThrowIfNull(points);
        double? value = null;
        foreach (var point in points)
        {
            if (point.X > x + 1e-9)
            {
                break;
            }

            value = point.Y;
        }

        return value;
    }
}

/// <summary>What a line chart draws: its series, the category labels and how many points it plots.</summary>
public sealed record LineChartData(List<ChartSeries<double>> Series, string[] Labels, int Points);
