using System.Globalization;
using Microsoft.EntityFrameworkCore;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Models;
using VisionFactory.Factory.Training;
using VisionFactory.Learning.Data;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Evaluation;

/// <summary>
/// Evaluations beyond the stored one: a model measured on any dataset version (classes matched by name), and the
/// images behind its figures: the mistakes it is most sure of, and the images of one confusion-matrix cell.
/// </summary>
public sealed class EvaluationService(VisionFactoryDb db, ModelService models, DatasetCatalog catalog, ModelEvaluator evaluator)
{
    /// <summary>The most images one request lists.</summary>
    public const int MaxImages = 500;

    /// <summary>
    /// Evaluates the model on a dataset version. <paramref name="split"/> is test, validation, train or all; by default
    /// the test split of the dataset the model was trained on (held out from training in every version of it), and
    /// every image of any other dataset.
    /// </summary>
    public async Task<EvaluationReport> EvaluateOnAsync(
        string id, string dataset, int? version, string? split, CancellationToken cancellationToken)
    {
        var model = await models.GetAsync(id, cancellationToken).ConfigureAwait(false);
        var target = await catalog.GetVersionAsync(dataset, version, withItems: true, cancellationToken).ConfigureAwait(false);
        var sameDataset = string.Equals(model.DatasetVersion?.Dataset?.Name, target.Dataset?.Name, StringComparison.Ordinal);
        var everything = string.Equals(split?.Trim(), "all", StringComparison.OrdinalIgnoreCase);
        var chosen = ParseSplit(split) ?? (sameDataset && !everything ? Split.Test : null);
        var mapping = MapClasses(model, target);

        var images = target.Items
            .Where(i => chosen is null || i.Split == chosen)
            .OrderBy(i => i.Sha256, StringComparer.Ordinal)
            .Select(i => new LabelledImage(i.Sha256, mapping[i.ClassIndex]))
            .ToList();
        var splitName = chosen?.ToString().ToLowerInvariant() ?? "all";
        if (images.Count == 0)
        {
            throw ProblemException.Invalid($"dataset '{dataset}' v{target.Number} has no images in its {splitName} split to evaluate on");
        }

        EvaluationReport report;
        if (model.IsImported)
        {
            using var engine = models.OpenImported(ModelService.Reference(model));
            report = await Task.Run(
                () => evaluator.Evaluate(engine, images, model.Classes, splitName, model.Spec.BatchSize, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            using var network = models.Load(model);
            report = await Task.Run(
                () => evaluator.Evaluate(network, backboneFrozen: false, images, model.Classes, splitName, model.Spec.BatchSize, cancellationToken),
                cancellationToken).ConfigureAwait(false);
        }

        return report with { Dataset = target.Dataset?.Name, DatasetVersion = target.Number };
    }

    /// <summary>The held-out images the model got wrong, the most confident mistakes first.</summary>
    public async Task<List<ImageVerdict>> MistakesAsync(string id, int limit, CancellationToken cancellationToken)
    {
        var (model, predictions) = await PredictionsAsync(id, cancellationToken).ConfigureAwait(false);
        return await VerdictsAsync(model, predictions.Where(p => p.Truth != p.Predicted), limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The held-out images of one confusion-matrix cell (true class, predicted class), the most confident first.</summary>
    public async Task<List<ImageVerdict>> CellAsync(string id, string truth, string predicted, int limit, CancellationToken cancellationToken)
    {
        var (model, predictions) = await PredictionsAsync(id, cancellationToken).ConfigureAwait(false);
        var t = model.ClassIndexOf(truth);
        var p = model.ClassIndexOf(predicted);
        return await VerdictsAsync(model, predictions.Where(x => x.Truth == t && x.Predicted == p), limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Splits "masks@2" into the dataset name and its version (null: the newest).</summary>
    public static (string Name, int? Version) ParseDatasetReference(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        var at = reference.LastIndexOf('@');
        if (at < 0)
        {
            return (reference, null);
        }

        return int.TryParse(reference.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0 && at > 0
            ? (reference[..at], number)
            : throw ProblemException.Invalid($"'{reference}' is not a dataset reference: write <dataset> or <dataset>@<version>, e.g. masks@2");
    }

    private static Split? ParseSplit(string? split) => split?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "all" => null,
        "test" => Split.Test,
        "validation" or "val" => Split.Validation,
        "train" => Split.Train,
        _ => throw ProblemException.Invalid($"unknown split '{split}'; use test, validation, train or all"),
    };

    // Dataset class index -> model class index, by name; every class of the dataset must be one the model knows.
    internal static Dictionary<int, int> MapClasses(ModelVersion model, DatasetVersion target)
    {
        var known = model.Classes.Select((name, index) => (name, index)).ToDictionary(c => c.name, c => c.index, StringComparer.Ordinal);
        var unknown = target.Classes.Where(c => !known.ContainsKey(c)).ToList();
        if (unknown.Count > 0)
        {
            throw ProblemException.Invalid(
                $"dataset '{target.Dataset?.Name}' v{target.Number} has class{(unknown.Count == 1 ? "" : "es")} " +
                $"{string.Join(", ", unknown.Select(u => $"'{u}'"))} that model {model.Id} does not know; it knows " +
                $"{string.Join(", ", model.Classes.Select(c => $"'{c}'"))} (classes are matched by name)");
        }

        return target.Classes.Select((name, index) => (name, index)).ToDictionary(c => c.index, c => known[c.name]);
    }

    private async Task<(ModelVersion Model, List<ImagePrediction> Predictions)> PredictionsAsync(string id, CancellationToken cancellationToken)
    {
        var report = await models.EvaluateAsync(id, recompute: false, cancellationToken).ConfigureAwait(false);
        var predictions = evaluator.ReadPredictions(report);
        if (predictions is null)
        {
            report = await models.EvaluateAsync(id, recompute: true, cancellationToken).ConfigureAwait(false);
            predictions = evaluator.ReadPredictions(report)
                ?? throw ProblemException.Damaged($"the predictions of model {id} could not be stored");
        }

        var model = await models.GetAsync(id, cancellationToken).ConfigureAwait(false);
        return (model, predictions);
    }

    private async Task<List<ImageVerdict>> VerdictsAsync(
        ModelVersion model, IEnumerable<ImagePrediction> chosen, int limit, CancellationToken cancellationToken)
    {
        var top = chosen.OrderByDescending(p => p.Confidence).ThenBy(p => p.Sha256, StringComparer.Ordinal)
            .Take(Math.Clamp(limit, 1, MaxImages)).ToList();
        var shas = top.Select(p => p.Sha256).ToList();
        var files = await db.Images.AsNoTracking()
            .Where(i => i.DatasetVersionId == model.DatasetVersionId && shas.Contains(i.Sha256))
            .Select(i => new { i.Sha256, i.SourcePath })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var fileOf = files.GroupBy(f => f.Sha256, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().SourcePath, StringComparer.Ordinal);
        return [.. top.Select(p => new ImageVerdict(
            p.Sha256, fileOf.GetValueOrDefault(p.Sha256), model.Classes[p.Truth], model.Classes[p.Predicted], p.Confidence, p.TruthProbability))];
    }
}

/// <summary>One held-out image as the model saw it.</summary>
/// <param name="Sha256">The image (its file is at <c>/api/images/{sha256}</c>).</param>
/// <param name="File">Its path in the imported folder or archive.</param>
/// <param name="TrueClass">Its label.</param>
/// <param name="PredictedClass">What the model said.</param>
/// <param name="Confidence">The probability of the predicted class.</param>
/// <param name="TrueClassProbability">The probability the model gave the true class.</param>
public sealed record ImageVerdict(string Sha256, string? File, string TrueClass, string PredictedClass, double Confidence, double TrueClassProbability);
