using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Review;
using VisionFactory.Storage.Database;

namespace VisionFactory.Datasets.Review;

/// <summary>The learning side of a review: embeddings from a pretrained backbone and cross-validated probabilities.</summary>
public interface IReviewModel
{
    /// <summary>Names the backbone, so stored embeddings of another one are never mixed in.</summary>
    string Key { get; }

    /// <summary>The embedding of each image, in order.</summary>
    float[][] Embed(IReadOnlyList<string> sha256s, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken);

    /// <summary>Out-of-sample class probabilities by cross-validation over the given folds.</summary>
    double[][] OutOfSample(
        IReadOnlyList<float[]> features, IReadOnlyList<int> labels, IReadOnlyList<int> folds, int classes, int seed,
        IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken);
}

/// <summary>What a review computes beyond hashes and measures.</summary>
/// <param name="Embeddings">Backbone embeddings: near-duplicates the hash misses, and the label check.</param>
/// <param name="Labels">The label check (needs embeddings).</param>
public sealed record ReviewOptions(bool Embeddings = true, bool Labels = true)
{
    public ReviewSettings Settings { get; init; } = new();
}

/// <summary>A review's progress: its phase and how far through it.</summary>
/// <param name="Phase">measuring images, embedding images, finding duplicates, checking labels, writing the report.</param>
/// <param name="Done">Units done in this phase.</param>
/// <param name="Total">Units in this phase.</param>
/// <param name="Fraction">The whole review's progress, 0 to 1.</param>
public sealed record ReviewProgress(string Phase, int Done, int Total, double Fraction);

/// <summary>
/// Reviews a dataset version: measures every image once (cached by content), finds duplicates, leakage, outliers and
/// suspected wrong labels, and stores the report with the version.
/// </summary>
public sealed class DatasetReviewer(
    VisionFactoryDb db, DatasetCatalog catalog, ImageSignatures signatures, EmbeddingStore embeddings, IReviewModel? model = null)
{
    /// <summary>Whether this reviewer can compute embeddings and check labels.</summary>
    public bool HasModel => model is not null;

    public async Task<ReviewReport> ReviewAsync(
        string datasetName, int? versionNumber, ReviewOptions options, IProgress<ReviewProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var version = await catalog.GetVersionAsync(datasetName, versionNumber, withItems: true, cancellationToken).ConfigureAwait(false);
        var history = await db.DatasetVersions.AsNoTracking()
            .Where(v => v.DatasetId == version.DatasetId && v.Number <= version.Number)
            .OrderByDescending(v => v.Number)
            .Select(v => v.Import)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var items = ReviewAnalysis.Ordered(version);
        var shas = items.Select(i => i.Sha256).ToList();
        var useEmbeddings = options.Embeddings && model is not null;
        var useLabels = useEmbeddings && options.Labels && version.Classes.Count >= 2 && items.Count >= options.Settings.Folds * 2;
        var settings = options.Settings with { Embeddings = useEmbeddings };

        // Rough shares of the time each phase takes, for one progress fraction over the whole review.
        var phases = new Phases(progress, useEmbeddings, useLabels);
        var measured = await signatures.GetAsync(shas, phases.Of("measuring images"), cancellationToken).ConfigureAwait(false);

        Dictionary<string, float[]>? vectors = null;
        if (useEmbeddings)
        {
            vectors = await EmbeddingsAsync(shas, phases.Of("embedding images"), cancellationToken).ConfigureAwait(false);
        }

        phases.Of("finding duplicates").Report((0, 1));
        var links = await Task.Run(() => ReviewAnalysis.Links(items, measured, vectors, settings, cancellationToken), cancellationToken).ConfigureAwait(false);

        ConfidentLearning.Result? labels = null;
        Dictionary<string, double[]>? probabilities = null;
        var accuracy = double.NaN;
        if (useLabels)
        {
            var folds = Folds(items, links, settings.Folds, version.Split.Seed);
            var labelOf = items.Select(i => i.ClassIndex).ToList();
            var features = items.Select(i => vectors![i.Sha256]).ToList();
            var outOfSample = await Task.Run(
                () => model!.OutOfSample(features, labelOf, folds, version.Classes.Count, version.Split.Seed, phases.Of("checking labels"), cancellationToken),
                cancellationToken).ConfigureAwait(false);
            labels = ConfidentLearning.Find(outOfSample, labelOf, version.Classes.Count);
            accuracy = outOfSample.Select((p, i) => Array.IndexOf(p, p.Max()) == labelOf[i] ? 1.0 : 0.0).Average();
            probabilities = items.Select((item, i) => (item.Sha256, outOfSample[i])).ToDictionary(x => x.Sha256, x => x.Item2, StringComparer.Ordinal);
        }

        phases.Of("writing the report").Report((0, 1));
        var grouping = history.Select(h => h.Grouping).FirstOrDefault(g => g is not null);
        var inputs = new ReviewInputs(datasetName, version, history, grouping, measured, vectors, probabilities, settings);
        var report = ReviewAnalysis.Build(inputs, links, labels, accuracy, clock.Elapsed);

        await db.DatasetReviews.Where(r => r.DatasetVersionId == version.Id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        db.DatasetReviews.Add(new DatasetReview { DatasetVersionId = version.Id, Report = report });
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        db.ChangeTracker.Clear();
        phases.Of("writing the report").Report((1, 1));
        return report;
    }

    /// <summary>The stored review of a version (the newest unless <paramref name="versionNumber"/> is given), or null.</summary>
    public async Task<ReviewReport?> LatestAsync(string datasetName, int? versionNumber, CancellationToken cancellationToken)
    {
        var version = await catalog.GetVersionAsync(datasetName, versionNumber, withItems: false, cancellationToken).ConfigureAwait(false);
        return await db.DatasetReviews.AsNoTracking()
            .Where(r => r.DatasetVersionId == version.Id)
            .OrderByDescending(r => r.CreatedAt)
            .Select(r => r.Report)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<Dictionary<string, float[]>> EmbeddingsAsync(
        List<string> shas, IProgress<(int Done, int Total)> progress, CancellationToken cancellationToken)
    {
        var found = await embeddings.GetAsync(model!.Key, shas, cancellationToken).ConfigureAwait(false);
        var missing = shas.Where(s => !found.ContainsKey(s)).ToList();
        if (missing.Count > 0)
        {
            var computed = await Task.Run(() => model.Embed(missing, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
            var fresh = missing.Select((sha, i) => (sha, computed[i])).ToDictionary(x => x.sha, x => x.Item2, StringComparer.Ordinal);
            await embeddings.PutAsync(model.Key, fresh, cancellationToken).ConfigureAwait(false);
            foreach (var (sha, vector) in fresh)
            {
                found[sha] = vector;
            }
        }

        progress.Report((shas.Count, shas.Count));
        return found;
    }

    // Near-duplicates share a fold, so no image is scored by a model that trained on its copy; folds are filled per
    // class in a seeded order, so each holds every class in about the same proportion.
    private static int[] Folds(List<ImageItem> items, List<DuplicateLink> links, int k, int seed)
    {
        var sets = new DisjointSets(items.Count);
        foreach (var link in links)
        {
            sets.Union(link.A, link.B);
        }

        var groups = Enumerable.Range(0, items.Count).GroupBy(sets.Find).Select(g => g.ToArray()).OrderBy(g => g[0]).ToArray();
        new Random(unchecked((seed * 7919) + 4243)).Shuffle(groups);
        var folds = new int[items.Count];
        var next = new Dictionary<int, int>();
        foreach (var group in groups.OrderByDescending(g => g.Length))
        {
            var c = items[group[0]].ClassIndex;
            var fold = next.GetValueOrDefault(c);
            next[c] = (fold + 1) % k;
            foreach (var i in group)
            {
                folds[i] = fold;
            }
        }

        return folds;
    }

    private sealed class Phases(IProgress<ReviewProgress>? progress, bool embeddings, bool labels)
    {
        private readonly (string Name, double Weight)[] weights =
        [
            ("measuring images", 0.25),
            ("embedding images", embeddings ? 0.55 : 0),
            ("finding duplicates", 0.05),
            ("checking labels", labels ? 0.1 : 0),
            ("writing the report", 0.05),
        ];

        public IProgress<(int Done, int Total)> Of(string phase)
        {
            var total = weights.Sum(w => w.Weight);
            var before = weights.TakeWhile(w => w.Name != phase).Sum(w => w.Weight) / total;
            var share = weights.First(w => w.Name == phase).Weight / total;
            return new Relay(p => progress?.Report(new ReviewProgress(
                phase, p.Done, p.Total, Math.Clamp(before + (share * (p.Total == 0 ? 1 : p.Done / (double)p.Total)), 0, 1))));
        }

        private sealed class Relay(Action<(int Done, int Total)> report) : IProgress<(int Done, int Total)>
        {
            public void Report((int Done, int Total) value) => report(value);
        }
    }
}
