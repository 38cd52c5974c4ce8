using VisionFactory.Domain.Models;

namespace VisionFactory.Domain.Tests.Models;

public sealed class ExternalGapCheckTests
{
    [Theory]
    [InlineData(3, 3, 0, 3, 1.0 / 20)] // C(3,0) C(3,3) / C(6,3)
    [InlineData(10, 10, 5, 10, 252.0 / 15504)] // C(10,5) C(10,10) / C(20,15)
    [InlineData(2, 2, 0, 2, 1.0 / 6)]
    [InlineData(5, 10, 5, 10, 0.6718591007)] // equal recalls: well above a half
    [InlineData(0, 4, 4, 4, 1.0)] // the external side is better: nothing to see
    public void TheFisherTailIsExact(int ownRight, int ownImages, int externalRight, int externalImages, double expected) =>
        Assert.Equal(expected, ExternalGapCheck.FisherLessOften(ownRight, ownImages, externalRight, externalImages), 8);

    [Fact]
    public void AClassThatTheModelMissesOnAnotherSourcesPicturesIsWarnedAboutByName()
    {
        // As the masks corpus's old default finetune: every with_mask test image right, a third of the real photos.
        var own = Report("masks", ("with_mask", 1.0, 96), ("without_mask", 0.99, 96));
        var external = Report("masks-real", ("with_mask", 218.0 / 679, 679), ("without_mask", 0.98, 673));

        var check = ExternalGapCheck.Assess(own, external);

        var warning = Assert.Single(check.Warnings);
        Assert.StartsWith("with_mask recall falls from 100% on the own test split (96 images) to 32% on masks-real (679 images)", warning, StringComparison.Ordinal);
        Assert.Contains("shortcut", warning, StringComparison.Ordinal);
        Assert.Equal("masks-real", check.ExternalDataset);
        var withMask = check.Classes.Single(c => c.Class == "with_mask");
        Assert.True(withMask.PValue < 1e-6, $"p = {withMask.PValue}");
        Assert.Equal(679, withMask.ExternalImages);
        Assert.Equal(2, check.Classes.Count);
    }

    [Theory]
    [InlineData(0.971)] // the head-only model: a small fall
    [InlineData(0.868)] // a fall of 13 points that still finds the class nearly nine times in ten
    public void SmallFallsAreNotWarnings(double externalRecall)
    {
        var own = Report("masks", ("with_mask", 1.0, 96), ("without_mask", 1.0, 96));
        var external = Report("masks-real", ("with_mask", externalRecall, 679), ("without_mask", 1.0, 673));

        Assert.Empty(ExternalGapCheck.Assess(own, external).Warnings);
    }

    [Fact]
    public void TwoExternalImagesBothMissedAgainstAPerfectSplitAreAlreadySignificant()
    {
        // p = 1 / C(98, 2) = 1 / 4 753.
        var own = Report("a", ("x", 1.0, 96));
        var external = Report("b", ("x", 0.0, 2));

        var check = ExternalGapCheck.Assess(own, external);

        Assert.Single(check.Warnings);
        Assert.Equal(1.0 / 4753, check.Classes.Single().PValue, 10);
    }

    [Fact]
    public void TwoImagesAgainstTwoCannotShowAFall()
    {
        var own = Report("a", ("x", 1.0, 2));
        var external = Report("b", ("x", 0.0, 2));

        Assert.Empty(ExternalGapCheck.Assess(own, external).Warnings);
    }

    [Fact]
    public void AClassMissingOnEitherSideIsLeftOut()
    {
        var own = Report("a", ("x", 1.0, 10), ("y", 1.0, 10));
        var external = Report("b", ("x", 1.0, 10), ("y", 0.0, 0));

        var check = ExternalGapCheck.Assess(own, external);

        Assert.Equal(["x"], check.Classes.Select(c => c.Class));
        Assert.Empty(check.Warnings);
    }

    private static EvaluationReport Report(string dataset, params (string Class, double Recall, int Support)[] classes) => new()
    {
        Split = "test",
        Dataset = dataset,
        Images = classes.Sum(c => c.Support),
        Accuracy = classes.Sum(c => c.Recall * c.Support) / Math.Max(1, classes.Sum(c => c.Support)),
        Loss = 0,
        MacroF1 = 0,
        PerClass = [.. classes.Select(c => new ClassMetrics(c.Class, 1, c.Recall, 1, c.Support))],
        ConfusionMatrix = [],
        Classes = [.. classes.Select(c => c.Class)],
    };
}
