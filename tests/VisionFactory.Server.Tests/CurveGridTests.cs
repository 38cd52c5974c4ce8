using VisionFactory.Domain.Models.Metrics;
using VisionFactory.Server.Components.Pages.Compare;

namespace VisionFactory.Server.Tests;

public sealed class CurveGridTests
{
    [Fact]
    public void UnitAxisCurvesTakeTheLastPointAtOrBeforeEachGridValue()
    {
        List<CurvePoint> roc = [new(0, 0), new(0, 0.5), new(0.5, 0.5), new(0.5, 1), new(1, 1)];

        var chart = CurveGrid.OnUnitAxis([("a", roc)]);

        var values = chart.Series.Single().Data.Points;
        Assert.Equal(CurveGrid.Steps + 1, values.Count);
        Assert.Equal(50, values[0].Y, 6);
        Assert.Equal(50, values[(CurveGrid.Steps / 2) - 1].Y, 6);
        Assert.Equal(100, values[CurveGrid.Steps / 2].Y, 6);
        Assert.Equal(100, values[^1].Y, 6);
        Assert.Equal(CurveGrid.Steps + 1, chart.Points);
        Assert.Equal("0.0", chart.Labels[0]);
        Assert.Equal("1.0", chart.Labels[^1]);
    }

    [Fact]
    public void EpochOverlayIsAsLongAsTheLongestRunAndLeavesShorterRunsEmptyAfterTheirEnd()
    {
        var chart = CurveGrid.ByEpoch([("long", [0.5, 0.6, 0.7]), ("short", [0.4])], shares: true);

        Assert.Equal(["1", "2", "3"], chart.Labels);
        Assert.Equal([50.0, 60.0, 70.0], chart.Series[0].Data.Points.Select(p => Math.Round(p.Y, 6)));
        Assert.Equal(40, chart.Series[1].Data.Points[0].Y, 6);
        Assert.False(chart.Series[1].Data.Points[1].HasValue);
        Assert.Equal(4, chart.Points);
    }

    [Fact]
    public void ACurveWithoutPointsIsLeftOut()
    {
        var chart = CurveGrid.OnUnitAxis([("empty", []), ("one", [new CurvePoint(0, 1)])]);

        Assert.Equal("one", Assert.Single(chart.Series).Name);
    }
}
