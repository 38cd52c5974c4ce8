using Microsoft.EntityFrameworkCore;
using SkiaSharp;
using VisionFactory.Datasets.Editing;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Review;
using VisionFactory.Domain.Datasets;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests.Review;

/// <summary>The review's hash and measure findings on synthetic images with known answers (no backbone: see the factory tests).</summary>
public sealed class ReviewFindingsTests
{
    private static readonly string[] Classes = ["circles", "squares"];

    [Fact]
    public async Task CleanSyntheticSetHasNoFindings()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("clean");
        ReviewImages.WriteDataset(source, Classes, perClass: 20);
        await f.Importer.ImportAsync("clean", source, ImportOptions.Default, null, CancellationToken.None);

        var report = await Reviewer(f).ReviewAsync("clean", null, new ReviewOptions(), null, CancellationToken.None);

        Assert.Equal(40, report.Images);
        Assert.Empty(report.Unreadable);
        Assert.Empty(report.ExactDuplicates);
        Assert.Empty(report.NearDuplicates);
        Assert.Empty(report.Quality);
        Assert.Empty(report.SizeOutliers);
        Assert.Equal(0, report.Leakage.Pairs);
        Assert.False(report.Balance.Imbalanced);
        Assert.Equal(0, report.Health.ImagesAffected);
        Assert.Equal(100, report.Health.Score);
    }

    [Fact]
    public async Task CopiesDarkAndOddlyShapedImagesAreEachFound()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("messy");
        ReviewImages.WriteDataset(source, Classes, perClass: 20);
        var circles = Path.Combine(source, "circles");
        File.Copy(Path.Combine(circles, "circles-003.png"), Path.Combine(circles, "exact-copy.png"));
        File.WriteAllBytes(Path.Combine(circles, "reencoded.jpg"), ReviewImages.Variant(0, 5, scale: 1, quality: 60));
        File.WriteAllBytes(Path.Combine(circles, "resized.jpg"), ReviewImages.Variant(0, 7, scale: 1.5, quality: 85));
        File.WriteAllBytes(Path.Combine(circles, "black.png"), ReviewImages.Uniform(SKColors.Black, 64, 64));
        File.WriteAllBytes(Path.Combine(circles, "line.png"), ReviewImages.Uniform(SKColors.Gray, 1, 1000));
        File.WriteAllBytes(Path.Combine(circles, "strip.png"), ReviewImages.Encode(0, 99, width: 10, height: 400));
        await f.Importer.ImportAsync("messy", source, ImportOptions.Default, null, CancellationToken.None);

        var report = await Reviewer(f).ReviewAsync("messy", null, new ReviewOptions(), null, CancellationToken.None);

        var exact = Assert.Single(report.ExactDuplicates);
        Assert.Equal(["circles/circles-003.png", "circles/exact-copy.png"], exact.Paths);
        Assert.Contains(report.NearDuplicates, g => Paths(g).SetEquals(["circles/circles-005.png", "circles/reencoded.jpg"]));
        Assert.Contains(report.NearDuplicates, g => Paths(g).SetEquals(["circles/circles-007.png", "circles/resized.jpg"]));
        Assert.Contains(report.Quality, q => q.Image.Path == "circles/black.png" && q.Kind == "dark" && q.Value < q.Threshold);
        var line = Assert.Single(report.Unreadable);
        Assert.Equal("circles/line.png", line.Path);
        Assert.Contains("at least", line.Reason, StringComparison.Ordinal);
        Assert.Contains(report.SizeOutliers, o => o.Image.Path == "circles/strip.png" && o.Kind == "aspect");

        // Nothing else is flagged: the twenty clean scenes per class stay clean.
        Assert.Equal(2, report.NearDuplicates.Count);
        Assert.Equal(["circles/black.png"], report.Quality.Select(q => q.Image.Path));
        Assert.Equal(["circles/strip.png"], report.SizeOutliers.Select(q => q.Image.Path));
        Assert.True(report.Health.ImagesAffected >= 4);
    }

    [Fact]
    public async Task GroupedImportSplitKeepsNearDuplicatesTogether()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("copies");
        ReviewImages.WriteDataset(source, Classes, perClass: 30);
        for (var i = 0; i < 10; i++)
        {
            File.WriteAllBytes(Path.Combine(source, "circles", $"copy-{i}.jpg"), ReviewImages.Variant(0, i, scale: 0.75, quality: 70));
        }

        var version = await f.Importer.ImportAsync("copies", source, ImportOptions.Default, null, CancellationToken.None);

        var grouping = version.Import.Grouping;
        Assert.NotNull(grouping);
        Assert.Equal(10, grouping.Groups);
        Assert.Equal(20, grouping.ImagesInGroups);
        var split = version.Items.ToDictionary(i => i.SourcePath, i => i.Split);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(split[$"circles/circles-{i:000}.png"], split[$"circles/copy-{i}.jpg"]);
        }

        var report = await Reviewer(f).ReviewAsync("copies", null, new ReviewOptions(), null, CancellationToken.None);
        Assert.Equal(10, report.NearDuplicates.Count);
        Assert.Equal(0, report.Leakage.Pairs);
        Assert.Equal(grouping, report.SplitGrouping);
    }

    [Fact]
    public async Task RegroupSplitFixMovesAStraddlingCopyIntoOneSplitInANewVersion()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("straddle");
        ReviewImages.WriteDataset(source, Classes, perClass: 20);
        File.WriteAllBytes(Path.Combine(source, "circles", "copy.jpg"), ReviewImages.Variant(0, 4, scale: 0.75, quality: 70));
        var version = await f.Importer.ImportAsync("straddle", source, ImportOptions.Default, null, CancellationToken.None);

        // A split made before grouping existed: the copy sits in another split than its original.
        var original = version.Items.Single(i => i.SourcePath == "circles/circles-004.png");
        var copy = version.Items.Single(i => i.SourcePath == "circles/copy.jpg");
        var elsewhere = original.Split == Split.Test ? Split.Train : Split.Test;
        await f.Db.Images.Where(i => i.Id == copy.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.Split, elsewhere));
        var reviewer = Reviewer(f);
        var before = await reviewer.ReviewAsync("straddle", null, new ReviewOptions(), null, CancellationToken.None);
        Assert.Equal(1, before.Leakage.Pairs);

        var fixes = new ReviewFixes(reviewer, new DatasetEditor(f.Db, VisionFactory.Domain.Users.Caller.Operator()), f.Catalog);
        var regrouped = await fixes.ApplyAsync("straddle", ReviewFix.RegroupSplit, null, null, CancellationToken.None);

        Assert.Equal(2, regrouped.Number);
        var after = await reviewer.ReviewAsync("straddle", null, new ReviewOptions(), null, CancellationToken.None);
        Assert.Equal(0, after.Leakage.Pairs);
        var v1 = await f.Catalog.GetVersionAsync("straddle", 1, withItems: true, CancellationToken.None);
        Assert.Equal(elsewhere, v1.Items.Single(i => i.SourcePath == "circles/copy.jpg").Split);
        var v2 = await f.Catalog.GetVersionAsync("straddle", 2, withItems: true, CancellationToken.None);
        Assert.Equal(v1.Items.Count, v2.Items.Count);
        foreach (var c in new[] { 0, 1 })
        {
            Assert.Equal(
                v1.Items.Where(i => i.ClassIndex == c).GroupBy(i => i.Split).ToDictionary(g => g.Key, g => g.Count()),
                v2.Items.Where(i => i.ClassIndex == c).GroupBy(i => i.Split).ToDictionary(g => g.Key, g => g.Count()));
        }
    }

    internal static DatasetReviewer Reviewer(ImportFixture f) =>
        new(f.Db, f.Catalog, new ImageSignatures(f.Db, f.Pixels, f.Blobs, ImageLimits.Default), new EmbeddingStore(f.Db));

    private static HashSet<string> Paths(Domain.Review.NearDuplicateGroup group) => group.Images.Select(i => i.Path).ToHashSet();
}
