using System.Globalization;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Review;
using VisionFactory.Imaging.Quality;

namespace VisionFactory.Datasets.Review;

/// <summary>What the review knows about a version before it judges: its images and what was measured of them.</summary>
/// <param name="Dataset">The dataset's name.</param>
/// <param name="Version">The version, with its images.</param>
/// <param name="Imports">The import reports of this version and the versions before it (skipped files, identical files).</param>
/// <param name="Grouping">How the newest import's split kept near-duplicates together, if it did.</param>
/// <param name="Signatures">Hash and quality measures by sha256.</param>
/// <param name="Embeddings">Backbone embeddings by sha256; null when the review runs without them.</param>
/// <param name="Probabilities">Out-of-sample class probabilities by sha256; null without the label check.</param>
/// <param name="Settings">Thresholds.</param>
public sealed record ReviewInputs(
    string Dataset,
    DatasetVersion Version,
    IReadOnlyList<ImportReport> Imports,
    SplitGrouping? Grouping,
    IReadOnlyDictionary<string, ImageSignature> Signatures,
    IReadOnlyDictionary<string, float[]>? Embeddings,
    IReadOnlyDictionary<string, double[]>? Probabilities,
    ReviewSettings Settings);

/// <summary>
/// Turns measurements into findings: outliers, exposure and blur, duplicate groups, leakage across splits, class
/// balance, suspected labels, and the health summary. Pure: the same inputs always give the same report.
/// </summary>
public static class ReviewAnalysis
{
    private const int MaxLeakageExamples = 200;

    /// <summary>The near-duplicate links between a version's images (ordered by sha256): hash and embedding evidence.</summary>
    public static List<DuplicateLink> Links(
        IReadOnlyList<ImageItem> items, IReadOnlyDictionary<string, ImageSignature> signatures,
        IReadOnlyDictionary<string, float[]>? embeddings, ReviewSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(signatures);
        ArgumentNullException.ThrowIfNull(settings);
        var hashes = items.Select(i => unchecked((ulong)signatures[i.Sha256].PerceptualHash)).ToList();
        var links = new Dictionary<(int, int), DuplicateLink>();
        foreach (var (a, b, distance) in HammingIndex.Pairs(hashes, settings.HashRadius, cancellationToken))
        {
            links[(a, b)] = new DuplicateLink(a, b, distance, null) { FoundByHash = true };
        }

        // The difference hash finds the same photo with something pasted on, which moves the perceptual hash too far.
        var differences = items.Select((item, index) => (Index: index, Bytes: signatures[item.Sha256].DifferenceHash))
            .Where(d => d.Bytes is not null).Select(d => (d.Index, Hash: DifferenceHash.FromBytes(d.Bytes)))
            .Where(d => d.Hash.IsInformative).ToList();
        foreach (var (x, y, _) in HammingIndex.Pairs(differences.Select(d => d.Hash).ToList(), settings.DifferenceHashRadius, cancellationToken))
        {
            var (a, b) = (differences[x].Index, differences[y].Index);
            links.TryAdd((a, b), new DuplicateLink(a, b, PerceptualDistance(hashes[a], hashes[b]), null) { FoundByHash = true });
        }

        if (embeddings is not null && items.Count > 1)
        {
            var vectors = items.Select(i => embeddings[i.Sha256]).ToList();
            foreach (var (a, b, cosine) in CosineIndex.Pairs(vectors, settings.CosineThreshold, seed: 17, cancellationToken))
            {
                links[(a, b)] = links.TryGetValue((a, b), out var known)
                    ? known with { Cosine = cosine, FoundByEmbedding = true }
                    : new DuplicateLink(a, b, PerceptualDistance(hashes[a], hashes[b]), cosine) { FoundByEmbedding = true };
            }

            // Pairs found by the hash also get their cosine, so the report shows both measures.
            var unit = CosineIndex.Normalise(vectors);
            foreach (var key in links.Keys.ToList())
            {
                if (links[key].Cosine is null)
                {
                    links[key] = links[key] with { Cosine = System.Numerics.Tensors.TensorPrimitives.Dot(unit[key.Item1], unit[key.Item2]) };
                }
            }
        }

        return links.Values.OrderBy(l => l.A).ThenBy(l => l.B).ToList();
    }

    /// <summary>Near-duplicate groups (indexes into the items) from the links.</summary>
    public static List<int[]> Groups(int count, IEnumerable<DuplicateLink> links)
    {
        var sets = new DisjointSets(count);
        foreach (var link in links)
        {
            sets.Union(link.A, link.B);
        }

        return sets.Groups();
    }

    public static ReviewReport Build(ReviewInputs inputs, IReadOnlyList<DuplicateLink> links, ConfidentLearning.Result? labels, double labelAccuracy, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(links);
        var settings = inputs.Settings;
        var version = inputs.Version;
        var items = Ordered(version);
        var images = items.Select(i => new ReviewImage(i.Sha256, i.SourcePath, version.Classes[i.ClassIndex], i.Split)).ToList();

        var unreadable = inputs.Imports.SelectMany(r => r.Skipped).DistinctBy(s => s.Path).OrderBy(s => s.Path, StringComparer.Ordinal).ToList();
        var present = items.Select(i => i.Sha256).ToHashSet(StringComparer.Ordinal);
        var exact = inputs.Imports.SelectMany(r => r.Duplicates).Where(d => present.Contains(d.Sha256))
            .DistinctBy(d => d.Sha256).OrderBy(d => d.Paths[0], StringComparer.Ordinal).ToList();

        var sizeOutliers = SizeOutliers(items, images, settings);
        var quality = QualityFindings(items, images, inputs.Signatures, settings);
        var groups = NearDuplicates(items, images, links);
        var copies = groups.Where(g => g.Redundant().Any()).ToList();
        var leakage = Leakage(images, links);
        var balance = Balance(version, items);
        var (suspected, check) = Suspected(version, images, labels, labelAccuracy, settings);

        var affected = new HashSet<string>(StringComparer.Ordinal);
        affected.UnionWith(sizeOutliers.Select(f => f.Image.Sha256));
        affected.UnionWith(quality.Select(f => f.Image.Sha256));
        affected.UnionWith(groups.SelectMany(g => g.Redundant()).Select(i => i.Sha256));
        affected.UnionWith(leakage.Examples.SelectMany(p => new[] { p.A, p.B }).Where(i => i.Split != Split.Train).Select(i => i.Sha256));
        affected.UnionWith(suspected.Select(s => s.Image.Sha256));
        var share = items.Count == 0 ? 0 : affected.Count / (double)items.Count;

        var findings = new List<FindingCount>
        {
            new("leakage", leakage.Pairs, "high", $"{leakage.Pairs} near-duplicate pair{S(leakage.Pairs)} across splits ({leakage.ImagesInEvaluation} validation/test image{S(leakage.ImagesInEvaluation)} with a copy elsewhere)"),
            new("suspected-labels", suspected.Count, "high", $"{suspected.Count} image{S(suspected.Count)} with a suspected wrong label"),
            new("exact-duplicates", exact.Count, exact.Any(e => e.CrossesClasses) ? "high" : "low",
                $"{exact.Count} group{S(exact.Count)} of identical files (stored once; {exact.Count(e => e.CrossesClasses)} with two labels)"),
            new("near-duplicates", copies.Count, "medium",
                $"{copies.Count} near-duplicate group{S(copies.Count)} with copies in one class ({copies.Sum(g => g.Redundant().Count())} image{S(copies.Sum(g => g.Redundant().Count()))} a keep-one fix would leave out)"),
            Paired(groups.Where(g => g.CrossesClasses).ToList()),
            new("quality", quality.Count, "medium", $"{quality.Count} very dark, over-exposed or blurry image{S(quality.Count)}"),
            // A good outcome is a line that says so, not a finding.
            new("imbalance", balance.Imbalanced ? 1 : 0, balance.Imbalanced ? "medium" : "ok", balance.Imbalanced ? $"classes are imbalanced ({balance.Ratio:0.0}:1)" : "classes are balanced"),
            new("size-outliers", sizeOutliers.Count, "low", $"{sizeOutliers.Count} image{S(sizeOutliers.Count)} of unusual size or aspect ratio"),
            new("unreadable", unreadable.Count, "low", $"{unreadable.Count} file{S(unreadable.Count)} skipped at import"),
        };

        return new ReviewReport
        {
            Dataset = inputs.Dataset,
            Version = version.Number,
            Images = items.Count,
            Seconds = elapsed.TotalSeconds,
            Settings = settings,
            Health = new HealthSummary(findings, affected.Count, share, (int)Math.Round(100 * (1 - share))),
            Unreadable = unreadable,
            SizeOutliers = sizeOutliers,
            Quality = quality,
            ExactDuplicates = exact,
            NearDuplicates = groups,
            Leakage = leakage,
            Balance = balance,
            SuspectedLabels = suspected,
            LabelCheck = check,
            SplitGrouping = inputs.Grouping,
        };
    }

    /// <summary>A version's images in the review's order (by sha256), the order every index refers to.</summary>
    public static List<ImageItem> Ordered(DatasetVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return version.Items.OrderBy(i => i.Sha256, StringComparer.Ordinal).ToList();
    }

    private static int PerceptualDistance(ulong a, ulong b) => System.Numerics.BitOperations.PopCount(a ^ b);

    private static List<ImageFinding> SizeOutliers(List<ImageItem> items, List<ReviewImage> images, ReviewSettings settings)
    {
        var result = new List<ImageFinding>();
        if (items.Count < 3)
        {
            return result;
        }

        var medianPixels = Median(items.Select(i => (double)i.Width * i.Height));
        var medianAspect = Median(items.Select(i => (double)i.Width / i.Height));
        for (var k = 0; k < items.Count; k++)
        {
            var item = items[k];
            double pixels = (double)item.Width * item.Height;
            var aspect = (double)item.Width / item.Height;
            if (aspect > medianAspect * settings.AspectFactor || aspect < medianAspect / settings.AspectFactor)
            {
                result.Add(new ImageFinding(images[k], "aspect", "aspect ratio (width / height)", aspect,
                    aspect > medianAspect ? medianAspect * settings.AspectFactor : medianAspect / settings.AspectFactor,
                    F($"{item.Width}x{item.Height}: aspect ratio {aspect:0.###} against a typical {medianAspect:0.###}")));
            }
            else if (pixels < medianPixels / settings.SizeFactor)
            {
                result.Add(new ImageFinding(images[k], "small", "pixels", pixels, medianPixels / settings.SizeFactor,
                    F($"{item.Width}x{item.Height}: {medianPixels / pixels:0.#} times fewer pixels than the typical image")));
            }
            else if (pixels > medianPixels * settings.SizeFactor)
            {
                result.Add(new ImageFinding(images[k], "large", "pixels", pixels, medianPixels * settings.SizeFactor,
                    F($"{item.Width}x{item.Height}: {pixels / medianPixels:0.#} times more pixels than the typical image")));
            }
        }

        return result;
    }

    private static List<ImageFinding> QualityFindings(
        List<ImageItem> items, List<ReviewImage> images, IReadOnlyDictionary<string, ImageSignature> signatures, ReviewSettings settings)
    {
        var result = new List<ImageFinding>();
        var blurThreshold = Math.Min(settings.BlurAbsolute, settings.BlurRelative * Median(items.Select(i => signatures[i.Sha256].LaplacianVariance)));
        for (var k = 0; k < items.Count; k++)
        {
            var s = signatures[items[k].Sha256];
            if (s.MeanLuminance < settings.DarkLuminance)
            {
                result.Add(new ImageFinding(images[k], "dark", "mean luminance (0-255)", s.MeanLuminance, settings.DarkLuminance,
                    F($"very dark: mean luminance {s.MeanLuminance:0.#} (threshold {settings.DarkLuminance:0})")));
            }
            else if (s.DarkFraction > settings.DarkClippedShare)
            {
                result.Add(new ImageFinding(images[k], "dark", "share of pixels clipped to black", s.DarkFraction, settings.DarkClippedShare,
                    F($"very dark: {s.DarkFraction:P0} of pixels are black (threshold {settings.DarkClippedShare:P0})")));
            }
            else if (s.MeanLuminance > settings.BrightLuminance)
            {
                result.Add(new ImageFinding(images[k], "overexposed", "mean luminance (0-255)", s.MeanLuminance, settings.BrightLuminance,
                    F($"over-exposed: mean luminance {s.MeanLuminance:0.#} (threshold {settings.BrightLuminance:0})")));
            }
            else if (s.BrightFraction > settings.BrightClippedShare)
            {
                result.Add(new ImageFinding(images[k], "overexposed", "share of pixels clipped to white", s.BrightFraction, settings.BrightClippedShare,
                    F($"over-exposed: {s.BrightFraction:P0} of pixels are white (threshold {settings.BrightClippedShare:P0})")));
            }
            else if (s.LaplacianVariance < blurThreshold)
            {
                result.Add(new ImageFinding(images[k], "blurry", "variance of the Laplacian", s.LaplacianVariance, blurThreshold,
                    F($"blurry: variance of the Laplacian {s.LaplacianVariance:0.#} (threshold {blurThreshold:0.#})")));
            }
        }

        return result;
    }

    private static List<NearDuplicateGroup> NearDuplicates(List<ImageItem> items, List<ReviewImage> images, IReadOnlyList<DuplicateLink> links)
    {
        var result = new List<NearDuplicateGroup>();
        var groups = Groups(items.Count, links);
        var byMember = new Dictionary<int, List<DuplicateLink>>();
        foreach (var link in links)
        {
            (byMember.TryGetValue(link.A, out var list) ? list : byMember[link.A] = []).Add(link);
        }

        foreach (var group in groups)
        {
            // The image a fix keeps comes first: the largest, then the first by path.
            var members = group.OrderByDescending(i => (long)items[i].Width * items[i].Height)
                .ThenBy(i => items[i].SourcePath, StringComparer.Ordinal).ToList();
            var inner = group.SelectMany(i => byMember.TryGetValue(i, out var l) ? l : []).ToList();
            var byHash = inner.Any(l => l.FoundByHash);
            var byEmbedding = inner.Any(l => l.FoundByEmbedding);
            result.Add(new NearDuplicateGroup(
                result.Count + 1,
                members.Select(i => images[i]).ToList(),
                members.Select(i => items[i].ClassIndex).Distinct().Count() > 1,
                members.Select(i => items[i].Split).Distinct().Count() > 1,
                byHash && byEmbedding ? "both" : byEmbedding ? "embedding" : "hash",
                inner.Max(l => l.HashDistance),
                inner.Any(l => l.Cosine is not null) ? inner.Where(l => l.Cosine is not null).Min(l => l.Cosine!.Value) : null));
        }

        return result;
    }

    private static LeakageReport Leakage(List<ReviewImage> images, IReadOnlyList<DuplicateLink> links)
    {
        var crossing = links.Where(l => images[l.A].Split != images[l.B].Split).ToList();
        var sets = new DisjointSets(images.Count);
        foreach (var link in links)
        {
            sets.Union(link.A, link.B);
        }

        var groups = crossing.Select(l => sets.Find(l.A)).Distinct().Count();
        var evaluation = crossing.SelectMany(l => new[] { l.A, l.B }).Where(i => images[i].Split != Split.Train).Distinct().Count();
        var examples = crossing.OrderBy(l => l.HashDistance).ThenByDescending(l => l.Cosine ?? 0).Take(MaxLeakageExamples)
            .Select(l => new LeakagePair(images[l.A], images[l.B], l.HashDistance, l.Cosine))
            .ToList();
        return new LeakageReport(crossing.Count, groups, evaluation, examples);
    }

    private static ClassBalance Balance(DatasetVersion version, List<ImageItem> items)
    {
        var counts = version.Classes.Select((_, c) => items.Count(i => i.ClassIndex == c)).ToList();
        var total = Math.Max(1, counts.Sum());
        var shares = version.Classes.Select((name, c) => new ClassShare(name, counts[c], counts[c] / (double)total)).ToList();
        var smallest = counts.Count == 0 ? 0 : counts.Min();
        var ratio = smallest == 0 ? double.PositiveInfinity : counts.Max() / (double)smallest;
        var imbalanced = ratio >= 1.5;
        var small = shares.MinBy(s => s.Images);
        var advice = !imbalanced
            ? "The classes are balanced: no class weighting or resampling is needed."
            : F($"The largest class has {ratio:0.0} times the images of the smallest ('{small?.Class}'). Train with class weighting ") +
                "'balanced' (vf train --class-weighting balanced, or the run form's class weighting), which weighs each class " +
                "by its inverse frequency; or add images to the smaller classes (resampling by repeating them has the same effect " +
                "on the loss but shows the model no new pictures).";
        return new ClassBalance(shares, double.IsInfinity(ratio) ? 0 : ratio, imbalanced, advice, imbalanced ? ClassWeighting.Balanced : ClassWeighting.None);
    }

    private static (List<SuspectedLabel>, LabelCheckSummary?) Suspected(
        DatasetVersion version, List<ReviewImage> images, ConfidentLearning.Result? labels, double accuracy, ReviewSettings settings)
    {
        if (labels is null)
        {
            return ([], null);
        }

        var suspected = labels.Issues.Select(issue => (issue, Confident: true))
            .Concat(labels.Disagreements.Select(issue => (issue, Confident: false)))
            .Select(x => new SuspectedLabel(
                images[x.issue.Index], version.Classes[x.issue.Suggested], x.issue.GivenProbability, x.issue.SuggestedProbability, x.issue.Margin, x.Confident))
            .ToList();
        var classes = version.Classes.Count;
        var joint = Enumerable.Range(0, classes).Select(r => Enumerable.Range(0, classes).Select(c => labels.Joint[r, c]).ToList()).ToList();
        var summary = new LabelCheckSummary(settings.Folds, accuracy, [.. labels.Thresholds.Select(t => double.IsInfinity(t) ? 1 : t)], joint,
            "logistic regression on ImageNet ResNet-18 features");
        return (suspected, summary);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string S(int n) => n == 1 ? "" : "s";

    // The same scene in two classes is expected of paired data (a face with and without a pasted mask): not a label
    // error, and nothing to delete. What matters is that each pair stays in one split, or it leaks.
    private static FindingCount Paired(List<NearDuplicateGroup> paired)
    {
        var straddling = paired.Count(g => g.CrossesSplits);
        var advice = straddling == 0
            ? "each group is in one split"
            : $"{straddling} straddle{(straddling == 1 ? "s" : "")} two splits: keep them in one split";
        return new FindingCount(
            "paired-across-classes", paired.Count, straddling == 0 ? "info" : "medium",
            $"{paired.Count} group{S(paired.Count)} of the same scene, different classes: expected for paired data (e.g. with and without a mask); {advice}");
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Evidence that two images (indexes in review order) show the same picture.</summary>
/// <param name="A">The first image's index.</param>
/// <param name="B">The second image's index.</param>
/// <param name="HashDistance">Bits in which their perceptual hashes differ.</param>
/// <param name="Cosine">Cosine similarity of their centred embeddings, when embeddings were computed.</param>
public sealed record DuplicateLink(int A, int B, int HashDistance, double? Cosine)
{
    /// <summary>Set for links within the hash radius.</summary>
    public bool FoundByHash { get; init; }

    /// <summary>Set for links at or above the cosine threshold.</summary>
    public bool FoundByEmbedding { get; init; }
}
