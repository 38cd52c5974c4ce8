using VisionFactory.Domain.Models;

namespace VisionFactory.Domain.Tests.Models;

public sealed class StressTestRuleTests
{
    private static readonly StressChange Hue = StressChange.All.Single(c => c.Kind == StressChangeKind.HueRotation);

    [Theory]
    [InlineData(0, 0, 1.0)]
    [InlineData(7, 0, 1.0 / 128)]
    [InlineData(1, 1, 0.75)]
    [InlineData(3, 1, 5.0 / 16)]
    public void SignTestPValueIsTheExactBinomialTail(int lost, int gained, double expected) =>
        Assert.Equal(expected, StressTestRule.SignTestPValue(lost, gained), 10);

    [Fact]
    public void ASharpSignificantFallIsWarnedAboutInWordsAndAMildOneIsNot()
    {
        // with_mask: 16 images all right unchanged, 5 right rotated; without_mask: loses 2 of 16.
        var outcomes = Outcomes(0, 16, 16, 5).Concat(Outcomes(1, 16, 16, 14)).ToList();

        var change = StressTestRule.Assess(Hue, ["with_mask", "without_mask"], outcomes);

        var warning = Assert.Single(change.Warnings);
        Assert.Equal(
            "with_mask recall falls from 100% to 31% when colours are rotated around the colour wheel (16 test images): the model may rely on colour, not the object.",
            warning);
        Assert.Equal(5.0 / 16, change.Recall["with_mask"]);
        Assert.Equal(1.0, change.BaselineRecall["without_mask"]);
        Assert.Equal(((5.0 / 16) + (14.0 / 16)) / 2, change.Accuracy, 10);
        Assert.Equal(32, change.Images);
    }

    [Fact]
    public void AFallOnTooFewImagesIsSuspiciousButNotYetAWarning()
    {
        var few = Outcomes(0, 4, 4, 1).ToList();

        Assert.True(StressTestRule.Suspicious(few));
        Assert.Empty(StressTestRule.Assess(Hue, ["a", "b"], few).Warnings);
        Assert.False(StressTestRule.Suspicious(Outcomes(0, 8, 8, 7).ToList()));
    }

    // count images of a class, the first rightBefore right unchanged, the first rightAfter right changed.
    private static IEnumerable<StressOutcome> Outcomes(int truth, int count, int rightBefore, int rightAfter) =>
        Enumerable.Range(0, count).Select(i => new StressOutcome(truth, i < rightBefore, i < rightAfter));
}
