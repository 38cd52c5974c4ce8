namespace VisionFactory.Server.Components.Charts;

/// <summary>
/// One line (or set of bars) of a chart: its points in data units, drawn in order; a null <c>y</c> leaves a gap.
/// <see cref="Reference"/> marks a guide such as the diagonal of perfect calibration: drawn dashed, not counted as data.
/// </summary>
public sealed record PlotSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double?> Y)
{
    /// <summary>Draws a marker at each point (for series of few points, which a line alone would hide).</summary>
    public bool Markers { get; init; }

    /// <summary>A guide line, not measured data.</summary>
    public bool Reference { get; init; }
}

/// <summary>What one chart draws: its series and how many measured points they hold.</summary>
public sealed record PlotData(IReadOnlyList<PlotSeries> Series)
{
    public static PlotData Empty { get; } = new([]);

    /// <summary>Names of the x positions 0, 1, 2... for a chart by category (bars per class); null for a numeric axis.</summary>
    public IReadOnlyList<string>? Categories { get; init; }

    /// <summary>Bars per category (e.g. images per class), one series per group (e.g. split); x is each category's position.</summary>
    public static PlotData ByCategory(IReadOnlyList<string> categories, params (string Name, IReadOnlyList<double> Values)[] groups)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(groups);
        var positions = Enumerable.Range(0, categories.Count).Select(i => (double)i).ToArray();
        return new PlotData([.. groups.Select(g => new PlotSeries(g.Name, positions, [.. g.Values.Select(v => (double?)v)]))]) { Categories = categories };
    }

    /// <summary>Measured points plotted (guides left out); the page shows it as <c>data-points</c>.</summary>
    public int Points => Series.Where(s => !s.Reference).Sum(s => s.Y.Count(y => y is not null));
}
