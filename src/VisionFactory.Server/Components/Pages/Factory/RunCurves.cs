using System.Globalization;
using MudBlazor;
using VisionFactory.Domain.Runs;

namespace VisionFactory.Server.Components.Pages.Factory;

/// <summary>
/// A run's metric points laid on one epoch axis for its three charts. The charts plot by category, so the axis is a
/// grid of a few slots per epoch: a step point sits at its share of its epoch, an epoch's validation point at the
/// epoch's end; slots without a point stay empty and the line joins across them.
/// </summary>
public sealed class RunCurves
{
    private const int MaxSlots = 160;
    private const int MaxLabels = 12;

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

    public Chart Loss() => Build(
        null,
        ("train loss", p => p.Kind == MetricKind.Step || !HasSteps(p.Epoch) ? p.TrainLoss : null),
        ("validation loss", p => p.ValidationLoss));

    public Chart Accuracy() => Build(
        100,
        ("train accuracy", p => p.Kind == MetricKind.Step || !HasSteps(p.Epoch) ? p.TrainAccuracy : null),
        ("validation accuracy", p => p.ValidationAccuracy));

    public Chart LearningRate() => Build(null, ("learning rate", p => p.Kind == MetricKind.Step || !HasSteps(p.Epoch) ? p.LearningRate : null));

    private bool HasSteps(int epoch) => steps.Keys.Any(k => k.Epoch == epoch);

    // The chart's vertical ticks are whole numbers, so values are plotted scaled to 10-100 and labelled unscaled.
    private Chart Build(double? fixedScale, params (string Name, Func<MetricPoint, double?> Value)[] curves)
    {
        var lastEpoch = Math.Max(PlannedEpochs, Math.Max(epochs.Keys.DefaultIfEmpty(0).Max(), steps.Keys.Select(k => k.Epoch).DefaultIfEmpty(0).Max()));
        lastEpoch = Math.Max(lastEpoch, 1);
        var perEpoch = Math.Clamp(MaxSlots / lastEpoch, 1, 20);
        var slots = (lastEpoch * perEpoch) + 1;

        var totals = steps.Keys.GroupBy(k => k.Epoch).ToDictionary(g => g.Key, g => StepsIn(g.Key, g.Max(k => k.Step)));
        var columns = new List<(string Name, double?[] Values)>();
        var series = new List<ChartSeries<double>>();
        var plotted = 0;
        foreach (var (name, value) in curves)
        {
            var values = new double?[slots];
            var any = false;
            foreach (var ((epoch, step), point) in steps)
            {
                any |= Place(values, SlotOf(epoch, step, totals[epoch], perEpoch), value(point));
            }

            foreach (var (epoch, point) in epochs)
            {
                any |= Place(values, epoch * perEpoch, value(point));
            }

            if (any)
            {
                plotted += values.Count(v => v is not null);
                columns.Add((name, values));
            }
        }

        var largest = columns.SelectMany(c => c.Values).Where(v => v is not null).Select(v => Math.Abs(v!.Value)).DefaultIfEmpty(0).Max();
        var scale = fixedScale ?? (largest > 0 ? Math.Pow(10, 1 - Math.Floor(Math.Log10(largest))) : 1);
        foreach (var (name, values) in columns)
        {
            series.Add(new ChartSeries<double> { Name = name, Data = values.Select(v => v * scale).ToArray() });
        }

        var top = largest * scale;
        var tick = top <= 20 ? 2 : top <= 50 ? 5 : fixedScale is null ? 10 : 20;

        var every = Math.Max(1, (int)Math.Ceiling(lastEpoch / (double)MaxLabels));
        var labels = Enumerable.Range(0, slots)
            .Select(i => i % perEpoch == 0 && (i / perEpoch) % every == 0 ? (i / perEpoch).ToString(CultureInfo.InvariantCulture) : "")
            .ToArray();
        return new Chart(series, labels, plotted, scale, tick);
    }

    // An ended epoch knows its step count; the one training now knows it from its progress.
    private int StepsIn(int epoch, int largestSeen) =>
        epochs.TryGetValue(epoch, out var end) && end.Step > 0
            ? end.Step
            : CurrentEpoch is { } current && current.Epoch == epoch && current.Steps > 0
                ? Math.Max(current.Steps, largestSeen)
                : largestSeen;

    private static int SlotOf(int epoch, int step, int total, int perEpoch)
    {
        var share = Math.Clamp((double)step / Math.Max(total, 1), 0, 1);
        return ((epoch - 1) * perEpoch) + (int)Math.Round(share * perEpoch);
    }

    private static bool Place(double?[] values, int slot, double? value)
    {
        if (value is not { } v || !double.IsFinite(v) || slot < 0 || slot >= values.Length)
        {
            return false;
        }

        values[slot] = v;
        return true;
    }

    /// <summary>
    /// What one chart draws: its series on the shared slots (values times <paramref name="Scale"/>), the epoch labels,
    /// how many points it plots and the spacing of its vertical ticks.
    /// </summary>
    public sealed record Chart(List<ChartSeries<double>> Series, string[] Labels, int Points, double Scale, int Tick)
    {
        public static Chart Empty { get; } = new([], [], 0, 1, 20);
    }
}
