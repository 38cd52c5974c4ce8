using VisionFactory.Domain.Datasets;
using VisionFactory.Imaging.Quality;

namespace VisionFactory.Datasets.Review;

/// <summary>
/// The default split of new images: stratified per class, with near-duplicates (perceptual hashes within
/// <see cref="HashRadius"/> bits, or difference hashes within <see cref="DifferenceHashRadius"/> bits) kept in one
/// split, so a random split cannot put copies of one photo on both sides.
/// A new image that looks like an image of the earlier version joins that image's split.
/// </summary>
public static class NearDuplicateSplit
{
    /// <summary>The Hamming radius that makes two images near-duplicates for the split (and the review's default).</summary>
    public const int HashRadius = 8;

    /// <summary>The difference-hash radius that makes two images near-duplicates for the split (and the review's default).</summary>
    public const int DifferenceHashRadius = 10;

    /// <summary>
    /// Splits the <paramref name="fresh"/> images (key, sha256, class); <paramref name="earlier"/> are the images that
    /// keep their split. <paramref name="hashOf"/> gives an image's hashes, or null when it cannot.
    /// </summary>
    public static (Dictionary<string, Split> Splits, SplitGrouping Grouping) Assign(
        IReadOnlyList<(string Key, string Sha256, int ClassIndex)> fresh,
        IReadOnlyList<ImageItem> earlier,
        SplitPlan plan,
        Func<string, ImageHashes?> hashOf)
    {
        ArgumentNullException.ThrowIfNull(fresh);
        ArgumentNullException.ThrowIfNull(earlier);
        ArgumentNullException.ThrowIfNull(hashOf);

        // Earlier images take part (with their split pinned) so new look-alikes follow them.
        var all = fresh.Select(f => (Key: f.Key, f.Sha256, f.ClassIndex, Pinned: (Split?)null))
            .Concat(earlier.Select(e => (Key: "\u0001" + e.Sha256, e.Sha256, e.ClassIndex, Pinned: (Split?)e.Split)))
            .ToList();
        var hashed = all.Select((item, index) => (Index: index, Hash: hashOf(item.Sha256))).Where(h => h.Hash is not null).ToList();
        var sets = new DisjointSets(all.Count);
        foreach (var (a, b, _) in HammingIndex.Pairs(hashed.Select(h => h.Hash!.Value.Perceptual).ToList(), HashRadius))
        {
            sets.Union(hashed[a].Index, hashed[b].Index);
        }

        var informative = hashed.Where(h => h.Hash!.Value.Difference.IsInformative).ToList();
        foreach (var (a, b, _) in HammingIndex.Pairs(informative.Select(h => h.Hash!.Value.Difference).ToList(), DifferenceHashRadius))
        {
            sets.Union(informative[a].Index, informative[b].Index);
        }

        var groupOf = Enumerable.Range(0, all.Count).Select(i => all[sets.Find(i)].Key).ToArray();
        var pinned = all.Where(a => a.Pinned is not null).ToDictionary(a => a.Key, a => a.Pinned!.Value, StringComparer.Ordinal);
        var grouped = GroupedStratifiedSplitter.Assign(all.Select((a, i) => (a.Key, a.ClassIndex, groupOf[i])), plan, pinned);
        var ungrouped = StratifiedSplitter.Assign(fresh.Select(f => (f.Key, f.ClassIndex)), plan);
        var splits = grouped;

        var freshIndexes = Enumerable.Range(0, fresh.Count).ToList();
        var groups = freshIndexes.GroupBy(i => groupOf[i]).Where(g => g.Count() > 1).ToList();
        var grouping = new SplitGrouping(
            groups.Count, groups.Sum(g => g.Count()), GroupedStratifiedSplitter.Moved(splits, ungrouped), HashRadius, DifferenceHashRadius);
        return (splits, grouping);
    }
}

/// <summary>The two perceptual hashes of an image that decide whether it is a near-duplicate of another.</summary>
/// <param name="Perceptual">The 64-bit DCT hash.</param>
/// <param name="Difference">The 256-bit difference hash.</param>
public readonly record struct ImageHashes(ulong Perceptual, DifferenceHash Difference)
{
    /// <summary>Both hashes of square RGB pixels of side <paramref name="side"/>.</summary>
    public static ImageHashes Of(ReadOnlySpan<byte> rgb, int side)
    {
        var (perceptual, difference) = DifferenceHash.BothOf(rgb, side);
        return new ImageHashes(perceptual, difference);
    }

    /// <summary>The hashes a review stored, or null where the signature predates the difference hash.</summary>
    public static ImageHashes? Of(Domain.Review.ImageSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return signature.DifferenceHash is { } bytes
            ? new ImageHashes(unchecked((ulong)signature.PerceptualHash), DifferenceHash.FromBytes(bytes))
            : null;
    }
}
