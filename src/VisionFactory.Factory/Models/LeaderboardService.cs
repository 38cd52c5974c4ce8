using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Models.Metrics;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Models;

/// <summary>Ranks the model versions of a dataset by any metric, and puts two or more models side by side.</summary>
public sealed class LeaderboardService(VisionFactoryDb db, ModelService models)
{
    public const int MaxCompared = 8;

    /// <summary>Every model of <paramref name="dataset"/> (null: of every dataset), best first by <paramref name="sort"/>.</summary>
    public async Task<List<ModelVersion>> RankAsync(string? dataset, string? sort, bool ascending, CancellationToken cancellationToken)
    {
        var metric = LeaderboardMetric.Get(sort);
        if (dataset is { Length: > 0 } && !await db.Datasets.AnyAsync(d => d.Name == dataset, cancellationToken).ConfigureAwait(false))
        {
            throw ProblemException.NotFound($"dataset '{dataset}' does not exist; 'vf dataset list' shows the datasets");
        }

        var all = await models.ListAsync(cancellationToken).ConfigureAwait(false);
        var ranked = metric.Rank(all.Where(m => dataset is not { Length: > 0 } || m.DatasetVersion?.Dataset?.Name == dataset));
        if (ascending)
        {
            ranked.Reverse();
        }

        return ranked;
    }

    /// <summary>
    /// The models side by side with the best of them marked per metric. Each must have a full evaluation; one
    /// stored before the full set of figures existed is evaluated again first.
    /// </summary>
    public async Task<ModelComparison> CompareAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var distinct = ids.Select(i => i.Trim()).Where(i => i.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count < 2 || distinct.Count > MaxCompared)
        {
            throw ProblemException.Invalid($"name between 2 and {MaxCompared} different models to compare (got {distinct.Count})");
        }

        var compared = new List<ModelVersion>(distinct.Count);
        foreach (var id in distinct)
        {
            var model = await models.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (model.Evaluation is not { } report || !report.HasFullMetrics())
            {
                await models.EvaluateAsync(id, recompute: false, cancellationToken).ConfigureAwait(false);
                model = await models.GetAsync(id, cancellationToken).ConfigureAwait(false);
            }

            compared.Add(model);
        }

        var best = LeaderboardMetric.All.ToDictionary(m => m.Name, m => m.Best(compared), StringComparer.Ordinal);
        return new ModelComparison(compared, best);
    }
}

/// <summary>Models side by side; <paramref name="Best"/> names, per metric, the model(s) with the best value.</summary>
public sealed record ModelComparison(List<ModelVersion> Models, Dictionary<string, List<string>> Best);
