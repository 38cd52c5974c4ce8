using VisionFactory.Domain.Runs;
using VisionFactory.Server.Components.Charts;

namespace VisionFactory.Server.Components.Pages.Factory;

/// <summary>
/// A run's metric points laid on one epoch axis for its three charts: a step point sits at its share of its epoch
/// (step 5 of 10 in epoch 2 at 1.5), an epoch's validation point at the epoch's end.
/// </summary>
public sealed class RunCurves
{
    private readonly HashSet<long> seen = [];
    private readonly SortedDictionary<(int Epoch, int Step), MetricPoint> steps = [];
    private readonly SortedDictionary<int, MetricPoint> epochs = [];

    /// <summary>Epochs in the run, so that the axis does not grow as it trains.</summary>
    public int PlannedEpochs { get; set; } = 1;

    /// <summary>Steps in the epoch now training, from the latest progress; known before the epoch ends.</summary>
    public (int Epoch, int Steps)? CurrentEpoch { get; set; }

    public int Count => seen.Count;

    /// <summary>Epochs that have ended (each writes one epoch point).</summary>
    public int Epochs => epochs.Count;

    /// <summary>Adds points not seen before (a watcher repeats what the page already loaded); true when any was new.</summary>
    public bool Add(IEnumerable<MetricPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var added = false;
        foreach (var point in points)
        {
            if (!seen.Add(point.Id))
            {
                continue;
            }

            added = true;
            if (point.Kind == MetricKind.Epoch)
            {
                epochs[point.Epoch] = point;
            }
            else
            {
                steps[(point.Epoch, point.Step)] = point;
            }
        }

        return added;
    }

    public PlotData Loss() => Build(
        ("train loss", p => p.Kind == MetricKind.Step || !HasSteps(p.Epoch) ? p.TrainLoss : null),
        ("validation loss", p => p.ValidationLoss));

    /// <summary>Accuracy as shares (0 to 1); the chart shows them as percentages.</summary>
    public PlotData Accuracy() => Build(
        ("train accuracy", p => p.Kind == MetricKind.Step || !HasSteps(p.Epoch) ? p.TrainAccuracy : null),
        ("validation accuracy", p => p.ValidationAccuracy));

    public PlotData LearningRate() => Build(("learning rate", p => p.Kind == MetricKind.Step || !HasSteps(p.Epoch) ? p.LearningRate : null));

    /// <summary>The length of the epoch axis: the planned epochs, or more if more were trained, so that it does not grow as the run trains.</summary>
    public int AxisEpochs => Math.Max(1, Math.Max(PlannedEpochs, Math.Max(epochs.Keys.DefaultIfEmpty(0).Max(), steps.Keys.Select(k => k.Epoch).DefaultIfEmpty(0).Max())));

    private bool HasSteps(int epoch) => steps.Keys.Any(k => k.Epoch == epoch);

    private PlotData Build(params (string Name, Func<MetricPoint, double?> Value)[] curves)
    {
        var totals = steps.Keys.GroupBy(k => k.Epoch).ToDictionary(g => g.Key, g => StepsIn(g.Key, g.Max(k => k.Step)));
        var series = new List<PlotSeries>();
        foreach (var (name, value) in curves)
        {
            var points = new List<(double X, double Y)>();
            foreach (var ((epoch, step), point) in steps)
            {
                if (value(point) is { } v && double.IsFinite(v))
                {
                    points.Add((EpochAxis(epoch, step, totals[epoch]), v));
                }
            }

            foreach (var (epoch, point) in epochs)
            {
                if (value(point) is { } v && double.IsFinite(v))
                {
                    points.Add((epoch, v));
                }
            }

            if (points.Count > 0)
            {
                var ordered = points.OrderBy(p => p.X).ToList();
                series.Add(new PlotSeries(name, [.. ordered.Select(p => p.X)], [.. ordered.Select(p => (double?)p.Y)]) { Markers = ordered.Count == 1 });
            }
        }

        return new PlotData(series);
    }

    // An ended epoch knows its step count; the one training now knows it from its progress.
    private int StepsIn(int epoch, int largestSeen) =>
        epochs.TryGetValue(epoch, out var end) && end.Step > 0
            ? end.Step
            : CurrentEpoch is { } current && current.Epoch == epoch && current.Steps > 0
                ? Math.Max(current.Steps, largestSeen)
                : largestSeen;

    private static double EpochAxis(int epoch, int step, int total) => epoch - 1 + Math.Clamp((double)step / Math.Max(total, 1), 0, 1);
}
