using VisionFactory.Domain.Models.Metrics;
using VisionFactory.Server.Components.Pages.Compare;

namespace VisionFactory.Server.Tests;

public sealed class CurvePlotsTests
{
    [Fact]
    public void APerfectRocRisesUpTheLeftEdgeThenRunsAlongTheTop()
    {
        // Every positive scores above every negative.
        var roc = RankingCurves.Roc([true, true, true, false, false], [0.9, 0.8, 0.7, 0.2, 0.1]);

        var series = Assert.Single(CurvePlots.OnUnitAxis([("a", roc.Points)]).Series);

        var points = series.X.Zip(series.Y, (x, y) => (X: x, Y: y!.Value)).ToList();
        Assert.Equal((0, 0), points[0]);
        Assert.Contains((0, 1), points);
        Assert.Equal((1, 1), points[^1]);
        Assert.All(points.Where(p => p.Y < 1), p => Assert.Equal(0, p.X));
        Assert.All(points.Where(p => p.X > 0), p => Assert.Equal(1, p.Y));
    }

    [Fact]
    public void UnitAxisCurvesAreDrawnThroughTheirOwnPoints()
    {
        List<CurvePoint> roc = [new(0, 0), new(0, 0.5), new(0.5, 0.5), new(0.5, 1), new(1, 1)];

        var chart = CurvePlots.OnUnitAxis([("a", roc)]);

        var series = Assert.Single(chart.Series);
        Assert.Equal(roc.Select(p => p.X), series.X);
        Assert.Equal(roc.Select(p => (double?)p.Y), series.Y);
        Assert.Equal(5, chart.Points);
    }

    [Fact]
    public void AConfidentModelsReliabilityIsOneMarkedPointBesideTheDiagonal()
    {
        // Every image in the top bin, all right: one bin of data, which a line alone would not show.
        var calibration = CalibrationReport.Compute([0.99, 0.97, 0.98, 0.995], [true, true, true, true]);

        var chart = CurvePlots.Reliability(calibration);

        var accuracy = chart.Series.Single(s => !s.Reference);
        Assert.True(accuracy.Markers);
        Assert.Equal(0.98375, Assert.Single(accuracy.X), 6);
        Assert.Equal(1, Assert.Single(accuracy.Y)!.Value, 6);
        var diagonal = chart.Series.Single(s => s.Reference);
        Assert.Equal([0.0, 1.0], diagonal.X);
        Assert.Equal([0.0, 1.0], diagonal.Y.Select(y => y!.Value));
        Assert.Equal(1, chart.Points);
    }

    [Fact]
    public void EpochOverlayPutsEachRunsValuesAtTheirEpochAndLeavesGapsForMissingOnes()
    {
        var chart = CurvePlots.ByEpoch([("long", [0.5, double.NaN, 0.7]), ("short", [0.4])]);

        Assert.Equal([1.0, 2.0, 3.0], chart.Series[0].X);
        Assert.Equal([0.5, null, 0.7], chart.Series[0].Y);
        Assert.Equal([1.0], chart.Series[1].X);
        Assert.True(chart.Series[1].Markers);
        Assert.Equal(3, chart.Points);
    }

    [Fact]
    public void ACurveWithoutPointsIsLeftOut()
    {
        var chart = CurvePlots.OnUnitAxis([("empty", []), ("one", [new CurvePoint(0, 1)])]);

        Assert.Equal("one", Assert.Single(chart.Series).Name);
    }
}
