using VisionFactory.Domain.Models;
using VisionFactory.Domain.Models.Metrics;

namespace VisionFactory.Domain.Tests.Models.Metrics;

/// <summary>
/// The bounds behind the test-split notice, against published values (the rule of three, Clopper-Pearson tables, the
/// Wilson interval's worked example) and an exact summation of the binomial distribution written independently in Python.
/// </summary>
public sealed class TestScoreNoticeTests
{
    [Theory]
    [InlineData(0, 100, 0.029513049607039987)]
    [InlineData(1, 100, 0.04655981145353899)]
    [InlineData(5, 100, 0.10225337764327452)]
    [InlineData(1, 193, 0.02434249057131027)]
    [InlineData(3, 1352, 0.0057248779561097085)]
    [InlineData(0, 20, 0.13910834066826522)]
    public void ErrorRateUpperBoundIsTheExactClopperPearsonBound(int errors, int images, double expected)
    {
        Assert.Equal(expected, TestScoreNotice.ErrorRateUpperBoundOf(errors, images), 8);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(300)]
    [InlineData(3000)]
    public void NoErrorsGivesAboutThreeOverN(int images)
    {
        var bound = TestScoreNotice.ErrorRateUpperBoundOf(0, images);

        Assert.InRange(bound * images, 2.9, 3.0);
    }

    [Fact]
    public void BoundGrowsWithErrorsAndShrinksWithImages()
    {
        Assert.True(TestScoreNotice.ErrorRateUpperBoundOf(2, 200) > TestScoreNotice.ErrorRateUpperBoundOf(1, 200));
        Assert.True(TestScoreNotice.ErrorRateUpperBoundOf(1, 2000) < TestScoreNotice.ErrorRateUpperBoundOf(1, 200));
        Assert.Equal(1, TestScoreNotice.ErrorRateUpperBoundOf(7, 7));
    }

    [Fact]
    public void LargeSplitsDoNotUnderflow()
    {
        // 200 errors in 100 000: the bound sits just above 0.2 %, well below 0.3 %.
        var bound = TestScoreNotice.ErrorRateUpperBoundOf(200, 100_000);

        Assert.InRange(bound, 0.002, 0.0024);
    }

    [Fact]
    public void WilsonIntervalMatchesTheWorkedExample()
    {
        var (low, high) = TestScoreNotice.WilsonInterval(95, 100);

        Assert.Equal(0.8882495307680808, low, 9);
        Assert.Equal(0.9784563208456319, high, 9);
    }

    [Fact]
    public void NearPerfectScoreWithoutExternalTestSetAsksForOne()
    {
        var notice = TestScoreNotice.For(Report(correct: [96, 97], wrong: 0));

        Assert.NotNull(notice);
        Assert.True(notice.Small);
        Assert.True(notice.NearPerfect);
        Assert.Equal(193, notice.Images);
        Assert.Equal(0, notice.Errors);
        Assert.Equal(1 - Math.Pow(0.05, 1 / 193.0), notice.ErrorRateUpperBound, 12);
        Assert.Contains("1.54 %", notice.Summary, StringComparison.Ordinal);
        Assert.Contains(notice.Messages, m => m.Contains("add an external test set", StringComparison.Ordinal));
        Assert.Contains(notice.Messages, m => m.Contains("small test split", StringComparison.Ordinal));
    }

    [Fact]
    public void NearPerfectScoreWithExternalTestSetNamesItsScore()
    {
        var external = Report(correct: [300, 475], wrong: 225) with { Dataset = "masks-real" };

        var notice = TestScoreNotice.For(Report(correct: [500, 499], wrong: 1), external);

        Assert.NotNull(notice);
        Assert.False(notice.Small);
        Assert.True(notice.HasExternalTestSet);
        Assert.DoesNotContain(notice.Messages, m => m.Contains("add an external test set", StringComparison.Ordinal));
        Assert.Contains(notice.Messages, m => m.Contains("masks-real", StringComparison.Ordinal) && m.Contains("77.5 %", StringComparison.Ordinal));
    }

    [Fact]
    public void LargeImperfectSplitNeedsNoNotice()
    {
        Assert.Null(TestScoreNotice.For(Report(correct: [450, 450], wrong: 100)));
    }

    // Two classes; the wrong predictions are put in the first row's second column.
    private static EvaluationReport Report(int[] correct, int wrong)
    {
        int[][] matrix = [[correct[0], wrong], [0, correct[1]]];
        var images = correct.Sum() + wrong;
        return new EvaluationReport
        {
            Split = "test",
            Images = images,
            Accuracy = correct.Sum() / (double)images,
            Loss = 0.1,
            MacroF1 = 0.9,
            PerClass = [],
            ConfusionMatrix = matrix,
            Classes = ["a", "b"],
        };
    }
}
