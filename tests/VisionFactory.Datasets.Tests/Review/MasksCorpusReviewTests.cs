using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Review;
using VisionFactory.Imaging.Quality;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests.Review;

/// <summary>The review on the example corpus (../shared/datasets/masks), with hashes and measures only.</summary>
public sealed class MasksCorpusReviewTests
{
    [Fact]
    public async Task MasksCorpusDuplicatesFoundAndGroupedSplitHasNoCrossSplitNearDuplicates()
    {
        await using var f = await ImportFixture.CreateAsync();
        var version = await f.Importer.ImportAsync("masks", MasksCorpus.Path, ImportOptions.Default, null, CancellationToken.None);

        var report = await ReviewFindingsTests.Reviewer(f).ReviewAsync("masks", null, new ReviewOptions(), null, CancellationToken.None);

        // 66 groups of byte-identical files, all within one class.
        Assert.Equal(66, report.ExactDuplicates.Count);
        Assert.DoesNotContain(report.ExactDuplicates, d => d.CrossesClasses);

        // Hundreds of images in near-duplicate groups, many pairs across the two classes (a photo with and without the
        // pasted mask), e.g. 106.jpg and 106-with-mask.jpg.
        Assert.True(report.NearDuplicates.Count >= 150, $"{report.NearDuplicates.Count} near-duplicate groups");
        Assert.True(report.NearDuplicates.Sum(g => g.Images.Count) >= 500);
        Assert.Contains(report.NearDuplicates, g =>
            g.CrossesClasses && g.Images.Any(i => i.Path == "without_mask/106.jpg") && g.Images.Any(i => i.Path == "with_mask/106-with-mask.jpg"));

        // The grouped split: no near-duplicate pair (at the split's radii) sits in two splits.
        Assert.Equal(0, report.Leakage.Pairs);
        var grouping = report.SplitGrouping;
        Assert.NotNull(grouping);
        Assert.True(grouping.Moved > 0);
        var items = ReviewAnalysis.Ordered(version);
        var signatures = await new ImageSignatures(f.Db, f.Pixels, f.Blobs, Imaging.Decoding.ImageLimits.Default)
            .GetAsync(items.Select(i => i.Sha256).ToList(), null, CancellationToken.None);
        var pairs = HammingIndex.Pairs(items.Select(i => unchecked((ulong)signatures[i.Sha256].PerceptualHash)).ToList(), NearDuplicateSplit.HashRadius);
        Assert.NotEmpty(pairs);
        Assert.All(pairs, p => Assert.Equal(items[p.A].Split, items[p.B].Split));
        Assert.Equal(0, PerceptualHash.Distance(
            unchecked((ulong)signatures[items.Single(i => i.SourcePath == "without_mask/106.jpg").Sha256].PerceptualHash),
            unchecked((ulong)signatures[items.Single(i => i.SourcePath == "with_mask/106-with-mask.jpg").Sha256].PerceptualHash)));
        var differences = HammingIndex.Pairs(
            items.Select(i => DifferenceHash.FromBytes(signatures[i.Sha256].DifferenceHash)).ToList(), NearDuplicateSplit.DifferenceHashRadius);
        Assert.True(differences.Count >= 200, $"{differences.Count} difference-hash pairs");
        Assert.All(differences, p => Assert.Equal(items[p.A].Split, items[p.B].Split));

        // Photos whose pasted mask moves the perceptual hash past its radius: the difference hash keeps each pair in
        // one group and one split (the corpus's own near-duplicate measure is a 16x16 difference hash within 10 bits).
        foreach (var photo in new[] { "116", "227", "384", "74" })
        {
            var bare = items.Single(i => i.SourcePath == $"without_mask/{photo}.jpg");
            var masked = items.Single(i => i.SourcePath == $"with_mask/{photo}-with-mask.jpg");
            var (a, b) = (signatures[bare.Sha256], signatures[masked.Sha256]);
            Assert.True(
                PerceptualHash.Distance(unchecked((ulong)a.PerceptualHash), unchecked((ulong)b.PerceptualHash)) > NearDuplicateSplit.HashRadius,
                $"{photo}: within the perceptual radius");
            Assert.True(
                DifferenceHash.FromBytes(a.DifferenceHash).DistanceTo(DifferenceHash.FromBytes(b.DifferenceHash)) <= NearDuplicateSplit.DifferenceHashRadius,
                $"{photo}: outside the difference radius");
            Assert.Equal(bare.Split, masked.Split);
            Assert.Contains(report.NearDuplicates, g => g.Images.Any(i => i.Sha256 == bare.Sha256) && g.Images.Any(i => i.Sha256 == masked.Sha256));
        }
    }
}

/// <summary>Where the example corpus lives: ../shared/datasets/masks from the repository root.</summary>
internal static class MasksCorpus
{
    public static string Path => SharedFiles.Masks;
}
