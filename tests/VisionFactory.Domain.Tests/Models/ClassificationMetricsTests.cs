using VisionFactory.Domain.Models;
using VisionFactory.Domain.Models.Metrics;

namespace VisionFactory.Domain.Tests.Models;

/// <summary>Evaluation figures checked against cases worked out by hand and against scikit-learn's reference values.</summary>
public sealed class ClassificationMetricsTests
{
    private static readonly bool[] Truth4 = [false, false, true, true];
    private static readonly double[] Scores4 = [0.1, 0.4, 0.35, 0.8];

    [Fact]
    public void RocAucMatchesTheReferenceValue()
    {
        // scikit-learn's roc_auc_score documentation example: 0.75.
        var roc = RankingCurves.Roc(Truth4, Scores4);

        Assert.Equal(0.75, roc.Area!.Value, 12);
        Assert.Equal(new CurvePoint(0, 0), roc.Points[0]);
        Assert.Equal(new CurvePoint(1, 1), roc.Points[^1]);
    }

    [Fact]
    public void AveragePrecisionMatchesTheReferenceValue()
    {
        // scikit-learn's average_precision_score example: 0.8333.
        var pr = RankingCurves.PrecisionRecall(Truth4, Scores4);

        Assert.Equal(0.5 + (0.5 * 2 / 3.0), pr.Area!.Value, 12);
    }

    [Fact]
    public void TiedScoresAreOneThresholdSoTheOrderOfTiesDoesNotMatter()
    {
        // One positive and one negative tied: the ROC steps diagonally, giving half a unit of area for the pair.
        var a = RankingCurves.Roc([true, false], [0.5, 0.5]);
        var b = RankingCurves.Roc([false, true], [0.5, 0.5]);

        Assert.Equal(0.5, a.Area!.Value, 12);
        Assert.Equal(a.Area, b.Area);
    }

    [Fact]
    public void PerfectRankingHasAreaOneAndReversedZero()
    {
        Assert.Equal(1, RankingCurves.Roc([false, true, true], [0.1, 0.8, 0.9]).Area!.Value, 12);
        Assert.Equal(0, RankingCurves.Roc([true, false, false], [0.1, 0.8, 0.9]).Area!.Value, 12);
    }

    [Fact]
    public void AreaIsUndefinedWithoutPositivesOrNegatives()
    {
        Assert.Null(RankingCurves.Roc([true, true], [0.1, 0.2]).Area);
        Assert.Null(RankingCurves.PrecisionRecall([false, false], [0.1, 0.2]).Area);
    }

    [Fact]
    public void ThreeClassReportMatchesHandComputedFigures()
    {
        // truth:      a a a b b c
        // predicted:  a a b b c c   (argmax of each row below)
        int[] truth = [0, 0, 0, 1, 1, 2];
        float[][] p =
        [
            [0.7f, 0.2f, 0.1f], [0.6f, 0.3f, 0.1f], [0.3f, 0.6f, 0.1f],
            [0.2f, 0.7f, 0.1f], [0.1f, 0.4f, 0.5f], [0.1f, 0.1f, 0.8f],
        ];

        var report = ClassificationMetrics.Compute(truth, p, ["a", "b", "c"], "test");

        Assert.Equal(4 / 6.0, report.Accuracy, 12);
        int[][] expected = [[2, 1, 0], [0, 1, 1], [0, 0, 1]];
        Assert.Equal(expected, report.ConfusionMatrix);
        Assert.Equal([2 / 3.0, 1 / 3.0, 0], report.NormalizedConfusionMatrix![0]);

        // a: P 2/2, R 2/3, F1 0.8; b: P 1/2, R 1/2, F1 0.5; c: P 1/2, R 1/1, F1 2/3.
        Assert.Equal(0.8, report.PerClass[0].F1, 12);
        Assert.Equal(0.5, report.PerClass[1].F1, 12);
        Assert.Equal(2 / 3.0, report.PerClass[2].F1, 12);
        Assert.Equal((0.8 + 0.5 + (2 / 3.0)) / 3, report.MacroF1, 12);
        Assert.Equal(((0.8 * 3) + (0.5 * 2) + (2 / 3.0)) / 6, report.WeightedF1!.Value, 12);
        Assert.Equal(((2 / 3.0) + 0.5 + 1) / 3, report.BalancedAccuracy!.Value, 12);

        var expectedLoss = -(Math.Log(0.7) + Math.Log(0.6) + Math.Log(0.3) + Math.Log(0.7) + Math.Log(0.4) + Math.Log(0.8)) / 6;
        Assert.Equal(expectedLoss, report.Loss, 6);

        // Class a against the rest: scores of a 0.7 0.6 0.3 vs 0.2 0.1 0.1 -> every positive above every negative.
        Assert.Equal(1, report.RocAuc!["a"]!.Value, 12);
        Assert.Equal(1, report.PerClass[0].RocAuc!.Value, 12);

        // Top-2 (three classes): image 4 (truth b, p_b 0.4 second) is in, every other too.
        var top2 = Assert.Single(report.TopK!);
        Assert.Equal(2, top2.K);
        Assert.Equal(1, top2.Accuracy, 12);
        Assert.Equal(3, report.Curves!.Count);
    }

    [Fact]
    public void TwoClassReportHasNoTopK()
    {
        var report = ClassificationMetrics.Compute([0, 1], [[0.9f, 0.1f], [0.2f, 0.8f]], ["x", "y"], "test");

        Assert.Empty(report.TopK!);
        Assert.Equal(1, report.Accuracy);
        Assert.Equal(1, report.MacroRocAuc!.Value, 12);
    }

    [Fact]
    public void TopKCountsTheTrueClassAmongTheKMostProbable()
    {
        int[] truth = [0, 1, 2, 3];
        float[][] p =
        [
            [0.4f, 0.3f, 0.2f, 0.1f],  // rank 1
            [0.4f, 0.3f, 0.2f, 0.1f],  // rank 2
            [0.4f, 0.3f, 0.2f, 0.1f],  // rank 3
            [0.4f, 0.3f, 0.2f, 0.1f],  // rank 4
        ];

        Assert.Equal(0.25, ClassificationMetrics.TopKShare(truth, p, 1), 12);
        Assert.Equal(0.5, ClassificationMetrics.TopKShare(truth, p, 2), 12);
        Assert.Equal(0.75, ClassificationMetrics.TopKShare(truth, p, 3), 12);
    }

    [Fact]
    public void CalibrationBinsAndEceMatchHandComputedValues()
    {
        // Bin [0.9, 1.0): confidences 0.95, 0.95 with one right -> |0.5 - 0.95| = 0.45, weight 2/4.
        // Bin [0.6, 0.7): confidences 0.65, 0.65 both right -> |1 - 0.65| = 0.35, weight 2/4.
        var calibration = CalibrationReport.Compute([0.95, 0.95, 0.65, 0.65], [true, false, true, true]);

        Assert.Equal((0.5 * 0.45) + (0.5 * 0.35), calibration.Ece, 12);
        Assert.Equal(10, calibration.Bins.Count);
        Assert.Equal(2, calibration.Bins[9].Count);
        Assert.Equal(0.5, calibration.Bins[9].Accuracy);
        Assert.Equal(0.95, calibration.Bins[9].Confidence!.Value, 12);
        Assert.Equal(0, calibration.Bins[0].Count);
        Assert.Null(calibration.Bins[0].Accuracy);
    }

    [Fact]
    public void ConfidenceOfOneFallsInTheLastBin()
    {
        var calibration = CalibrationReport.Compute([1.0], [true]);

        Assert.Equal(1, calibration.Bins[^1].Count);
        Assert.Equal(0, calibration.Ece, 12);
    }

    [Fact]
    public void ThinningKeepsEndsAndAtMostTheLimit()
    {
        var points = Enumerable.Range(0, 1000).Select(i => new CurvePoint(i / 999.0, i / 999.0)).ToList();

        var thin = RankingCurves.Thin(points, 101);

        Assert.Equal(101, thin.Count);
        Assert.Equal(points[0], thin[0]);
        Assert.Equal(points[^1], thin[^1]);
    }
}
