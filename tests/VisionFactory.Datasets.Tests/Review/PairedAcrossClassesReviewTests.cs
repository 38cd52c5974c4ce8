using VisionFactory.Datasets.Editing;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Review;
using VisionFactory.Domain;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests.Review;

/// <summary>
/// The same scene in two classes (a face with and without a pasted mask) is paired data, not a label error: the review
/// says so and its "keep one per group" fix never deletes one side of such a pair.
/// </summary>
public sealed class PairedAcrossClassesReviewTests
{
    private static readonly string[] Classes = ["circles", "squares"];

    private static readonly string[] SameClassCopies = ["circles/circles-007.png", "circles/copy.jpg"];

    [Fact]
    public async Task PairAcrossClassesIsReportedAsExpectedAndKeepOnePerGroupKeepsBothSides()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("paired");
        ReviewImages.WriteDataset(source, Classes, perClass: 20);
        File.WriteAllBytes(Path.Combine(source, "squares", "paired.jpg"), ReviewImages.Variant(0, 4, scale: 0.75, quality: 70));
        File.WriteAllBytes(Path.Combine(source, "circles", "copy.jpg"), ReviewImages.Variant(0, 7, scale: 0.75, quality: 70));
        await f.Importer.ImportAsync("paired", source, ImportOptions.Default, null, CancellationToken.None);
        var reviewer = ReviewFindingsTests.Reviewer(f);
        var fixes = new ReviewFixes(reviewer, new DatasetEditor(f.Db, VisionFactory.Domain.Users.Caller.Operator()), f.Catalog);

        var report = await reviewer.ReviewAsync("paired", null, new ReviewOptions(), null, CancellationToken.None);
        var pair = Assert.Single(report.NearDuplicates, g => g.CrossesClasses);
        var refused = await Assert.ThrowsAsync<ProblemException>(() =>
            fixes.ApplyAsync("paired", ReviewFix.KeepOnePerGroup, null, [pair.Id], CancellationToken.None));
        var fixedUp = await fixes.ApplyAsync("paired", ReviewFix.KeepOnePerGroup, null, null, CancellationToken.None);

        var paired = Assert.Single(report.Health.Findings, x => x.Kind == "paired-across-classes");
        Assert.Equal(1, paired.Count);
        Assert.Equal("info", paired.Severity);
        Assert.Contains("same scene, different classes", paired.Title, StringComparison.Ordinal);
        Assert.Equal(1, Assert.Single(report.Health.Findings, x => x.Kind == "near-duplicates").Count);
        Assert.Equal(ProblemKind.Invalid, refused.Kind);
        Assert.Contains("keep them in one split", refused.Message, StringComparison.Ordinal);
        var after = await f.Catalog.GetVersionAsync("paired", fixedUp.Number, withItems: true, CancellationToken.None);
        Assert.Equal(2, after.Number);
        var kept = after.Items.Select(i => i.SourcePath).ToHashSet();
        Assert.Contains("squares/paired.jpg", kept);
        Assert.Contains("circles/circles-004.png", kept);
        Assert.Single(SameClassCopies, kept.Contains);
        Assert.Equal(41, after.Items.Count);
    }

    [Fact]
    public async Task BalancedClassesAreAnOkLineRatherThanAFinding()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("balanced");
        ReviewImages.WriteDataset(source, Classes, perClass: 20);
        await f.Importer.ImportAsync("balanced", source, ImportOptions.Default, null, CancellationToken.None);

        var report = await ReviewFindingsTests.Reviewer(f).ReviewAsync("balanced", null, new ReviewOptions(), null, CancellationToken.None);

        var balance = Assert.Single(report.Health.Findings, x => x.Kind == "imbalance");
        Assert.Equal(0, balance.Count);
        Assert.Equal("ok", balance.Severity);
        Assert.Equal("classes are balanced", balance.Title);
    }
}
