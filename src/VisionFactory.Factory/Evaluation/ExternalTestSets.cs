using Microsoft.EntityFrameworkCore;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Models;
using VisionFactory.Factory.Training;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Evaluation;

/// <summary>
/// External test sets: a dataset names another dataset (images from another source, classes matched by name) on which
/// every model of it is evaluated when training ends and on demand; that figure says more about a camera elsewhere than
/// the own test split, whose images come from the same source as the training images.
/// </summary>
public sealed class ExternalTestSets(VisionFactoryDb db, DatasetCatalog catalog, EvaluationService evaluations, ModelService models, Domain.Users.Caller caller)
{
    /// <summary>The dataset and the external test set it names (null: none).</summary>
    public async Task<ExternalTestSetLink> GetAsync(string dataset, CancellationToken cancellationToken)
    {
        var row = await FindAsync(dataset, cancellationToken).ConfigureAwait(false);
        return new ExternalTestSetLink(row.Name, row.ExternalTestSet);
    }

    /// <summary>
    /// Names <paramref name="external"/> as the external test set of <paramref name="dataset"/>. Refused when they are the
    /// same dataset, when either is missing or empty, or when the external set has a class the dataset does not.
    /// Models evaluated on a former external test set lose that figure (it measured another set).
    /// </summary>
    public async Task<ExternalTestSetLink> SetAsync(string dataset, string external, CancellationToken cancellationToken)
    {
        caller.Require(Domain.Users.Role.Editor, "set a dataset's external test set");
        ArgumentNullException.ThrowIfNull(dataset);
        if (string.IsNullOrWhiteSpace(external))
        {
            throw ProblemException.Invalid("name the dataset to use as the external test set");
        }

        external = external.Trim();
        if (string.Equals(dataset, external, StringComparison.Ordinal))
        {
            throw ProblemException.Invalid(
                $"dataset '{dataset}' cannot be its own external test set: name a dataset of images from another source (its own test split is already evaluated)");
        }

        var row = await FindAsync(dataset, cancellationToken).ConfigureAwait(false);
        var own = await catalog.GetVersionAsync(dataset, null, withItems: false, cancellationToken).ConfigureAwait(false);
        var target = await catalog.GetVersionAsync(external, null, withItems: false, cancellationToken).ConfigureAwait(false);
        var unknown = target.Classes.Where(c => !own.Classes.Contains(c, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            throw ProblemException.Invalid(
                $"dataset '{external}' has class{(unknown.Count == 1 ? "" : "es")} {Quote(unknown)} that '{dataset}' does not have; " +
                $"'{dataset}' has {Quote(own.Classes)}. Classes are matched by name: rename or remove the other classes in '{external}'");
        }

        if (!await db.Images.AnyAsync(i => i.DatasetVersionId == target.Id, cancellationToken).ConfigureAwait(false))
        {
            throw ProblemException.Invalid($"dataset '{external}' has no images to test on");
        }

        row.ExternalTestSet = external;
        await ForgetOtherExternalEvaluationsAsync(dataset, external, cancellationToken).ConfigureAwait(false);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return new ExternalTestSetLink(row.Name, row.ExternalTestSet);
    }

    /// <summary>Removes the dataset's external test set (and its models' figures on it).</summary>
    public async Task<ExternalTestSetLink> ClearAsync(string dataset, CancellationToken cancellationToken)
    {
        caller.Require(Domain.Users.Role.Editor, "clear a dataset's external test set");
        var row = await FindAsync(dataset, cancellationToken).ConfigureAwait(false);
        row.ExternalTestSet = null;
        await ForgetOtherExternalEvaluationsAsync(dataset, null, cancellationToken).ConfigureAwait(false);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return new ExternalTestSetLink(row.Name, null);
    }

    /// <summary>
    /// Every image of the newest version of the external test set of <paramref name="trainedOn"/>'s dataset, labelled in
    /// <paramref name="classes"/>' order; null when it names none, or the set no longer exists, is empty or has a class
    /// the model does not know (then on-demand evaluation says why).
    /// </summary>
    public async Task<ExternalTestImages?> ImagesForAsync(DatasetVersion trainedOn, IReadOnlyList<string> classes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trainedOn);
        ArgumentNullException.ThrowIfNull(classes);
        var name = await db.Datasets.AsNoTracking().Where(d => d.Id == trainedOn.DatasetId).Select(d => d.ExternalTestSet)
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (name is null || !await db.Datasets.AnyAsync(d => d.Name == name, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var target = await catalog.GetVersionAsync(name, null, withItems: true, cancellationToken).ConfigureAwait(false);
        var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        if (target.Items.Count == 0 || target.Classes.Any(c => !index.ContainsKey(c)))
        {
            return null;
        }

        var images = target.Items.OrderBy(i => i.Sha256, StringComparer.Ordinal)
            .Select(i => new LabelledImage(i.Sha256, index[target.Classes[i.ClassIndex]])).ToList();
        return new ExternalTestImages(name, target.Number, images);
    }

    /// <summary>Evaluates a network just trained on the external test images (through cached features when its backbone is frozen).</summary>
    public static EvaluationReport Evaluate(
        ModelEvaluator evaluator, ClassifierNetwork network, bool backboneFrozen, ExternalTestImages external, IReadOnlyList<string> classes,
        int batchSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(external);
        var report = evaluator.Evaluate(network, backboneFrozen, external.Images, classes, "all", batchSize, cancellationToken);
        return report with { Dataset = external.Dataset, DatasetVersion = external.Version };
    }

    /// <summary>
    /// Evaluates the model on its dataset's external test set (every image of its newest version) and stores the result
    /// with the model.
    /// </summary>
    public async Task<EvaluationReport> EvaluateAsync(string modelId, CancellationToken cancellationToken)
    {
        caller.Require(Domain.Users.Role.Editor, "evaluate a model on its external test set");
        var model = await models.GetAsync(modelId, cancellationToken).ConfigureAwait(false);
        var dataset = model.DatasetVersion?.Dataset?.Name
            ?? throw ProblemException.NotFound($"the dataset of model {modelId} no longer exists");
        var link = await GetAsync(dataset, cancellationToken).ConfigureAwait(false);
        if (link.ExternalTestSet is not { } external)
        {
            throw ProblemException.Invalid(
                $"dataset '{dataset}' has no external test set: name one first ('vf dataset external-test {dataset} <other-dataset>'), " +
                "or evaluate on any dataset with 'vf evaluate <model> --dataset <name>'");
        }

        var report = await evaluations.EvaluateOnAsync(modelId, external, null, "all", cancellationToken).ConfigureAwait(false);
        var tracked = await db.Models.SingleAsync(m => m.Id == modelId, cancellationToken).ConfigureAwait(false);
        tracked.ExternalEvaluation = report;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return report;
    }

    private async Task<Dataset> FindAsync(string dataset, CancellationToken cancellationToken)
    {
        var row = await db.Datasets.SingleOrDefaultAsync(d => d.Name == dataset, cancellationToken).ConfigureAwait(false);
        if (row is not null)
        {
            return row;
        }

        // The catalog's message lists the datasets that do exist.
        await catalog.GetVersionAsync(dataset, null, withItems: false, cancellationToken).ConfigureAwait(false);
        throw ProblemException.NotFound($"dataset '{dataset}' does not exist");
    }

    private async Task ForgetOtherExternalEvaluationsAsync(string dataset, string? keep, CancellationToken cancellationToken)
    {
        var evaluated = await db.Models.Where(m => m.DatasetVersion!.Dataset!.Name == dataset && m.ExternalEvaluation != null)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var model in evaluated.Where(m => !string.Equals(m.ExternalEvaluation?.Dataset, keep, StringComparison.Ordinal)))
        {
            model.ExternalEvaluation = null;
        }
    }

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}

/// <summary>A dataset and the external test set it names.</summary>
/// <param name="Dataset">The dataset whose models are evaluated.</param>
/// <param name="ExternalTestSet">The dataset they are also evaluated on; null when none.</param>
public sealed record ExternalTestSetLink(string Dataset, string? ExternalTestSet);

/// <summary>The images of an external test set, labelled in a model's class order.</summary>
public sealed record ExternalTestImages(string Dataset, int Version, List<LabelledImage> Images);
