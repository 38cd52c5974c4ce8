using System.Diagnostics;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Models;
using VisionFactory.Learning.Artifacts;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Training;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Training;

/// <summary>
/// Runs one training job from a dataset name to a stored model version: trains, evaluates on the held-out test
/// split, stores the artifact and the record together.
/// </summary>
public sealed class TrainingService(
    VisionFactoryDb db,
    DatasetCatalog datasets,
    BlobStore blobs,
    ClassifierTrainer trainer,
    ModelEvaluator evaluator,
    Evaluation.ExternalTestSets externalTests)
{
    /// <summary>Trains on the newest version of a dataset, outside the queue, and stores the model.</summary>
    public async Task<ModelVersion> TrainAsync(
        string datasetName, TrainingSpec spec, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var version = await datasets.GetVersionAsync(datasetName, null, withItems: false, cancellationToken).ConfigureAwait(false);
        var model = await TrainVersionAsync(version.Id, spec, progress, journal: null, cancellationToken).ConfigureAwait(false);
        db.Models.Add(model);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return model;
    }

    /// <summary>
    /// Trains on one dataset version, evaluates on its held-out test split and puts the artifact in the blob store. The
    /// model record is returned unsaved: the caller stores it together with whatever else must change at the same time
    /// (a queued run stores it under its lease).
    /// </summary>
    public async Task<ModelVersion> TrainVersionAsync(
        Guid datasetVersionId, TrainingSpec spec, IProgress<TrainingProgress>? progress, ITrainingJournal? journal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        CheckSpec(spec);
        var version = await datasets.GetVersionAsync(datasetVersionId, cancellationToken).ConfigureAwait(false);
        var data = DataOf(version);
        CheckTrainable(version, data);

        var external = await externalTests.ImagesForAsync(version, data.Classes, cancellationToken).ConfigureAwait(false);

        var clock = Stopwatch.StartNew();
        var modelId = ModelVersion.NewId();
        var (outcomeHistory, artifact, evaluation, externalEvaluation) = await Task.Run(
            () =>
            {
                using var outcome = trainer.Train(spec, data, progress, journal, cancellationToken);
                progress?.Report(new TrainingProgress(TrainingPhase.Evaluating, 0, 0, 0, data.Test.Count, 0, 0, 0, 0));
                var report = evaluator.Evaluate(outcome.Network, outcome.BackboneFrozen, data.Test, data.Classes, "test", spec.BatchSize, cancellationToken);
                var externalReport = external is null
                    ? null
                    : Evaluation.ExternalTestSets.Evaluate(evaluator, outcome.Network, outcome.BackboneFrozen, external, data.Classes, spec.BatchSize, cancellationToken);
                return (outcome.History, ModelArtifact.Write(outcome.Network, modelId, data.Classes), report, externalReport);
            },
            cancellationToken).ConfigureAwait(false);

        return new ModelVersion
        {
            Id = modelId,
            DatasetVersionId = version.Id,
            Spec = spec,
            Classes = [.. data.Classes],
            ArtifactSha256 = blobs.Put(artifact),
            TrainingSeconds = clock.Elapsed.TotalSeconds,
            History = outcomeHistory,
            Evaluation = evaluation with { Dataset = version.Dataset?.Name, DatasetVersion = version.Number },
            ExternalEvaluation = externalEvaluation,
        };
    }

    private static void CheckSpec(TrainingSpec spec)
    {
        if (spec.Validate() is { Count: > 0 } problems)
        {
            throw ProblemException.Invalid(string.Join("; ", problems));
        }
    }

    public static TrainingData DataOf(DatasetVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var ordered = version.Items.OrderBy(i => i.Sha256, StringComparer.Ordinal).ToList();
        List<LabelledImage> Of(Split split) =>
            ordered.Where(i => i.Split == split).Select(i => new LabelledImage(i.Sha256, i.ClassIndex)).ToList();
        return new TrainingData(version.Classes, Of(Split.Train), Of(Split.Validation), Of(Split.Test));
    }

    private static void CheckTrainable(DatasetVersion version, TrainingData data)
    {
        var name = version.Dataset?.Name ?? "the dataset";
        if (version.Classes.Count < 2)
        {
            throw ProblemException.Invalid($"{name} has {version.Classes.Count} class; a classifier needs at least two");
        }

        var missing = version.Classes.Where((_, c) => data.Train.All(i => i.Label != c)).ToList();
        if (missing.Count > 0)
        {
            throw ProblemException.Invalid(
                $"{name} has no training images for class {string.Join(", ", missing.Select(m => $"'{m}'"))}: add images to it");
        }

        // Runs queued before the queue checked this (or by another way in) end with the same message, not an index error.
        static int Count(IReadOnlyList<LabelledImage> split, int label) => split.Count(i => i.Label == label);
        var counts = version.Classes.Select((c, i) =>
        {
            var (train, validation, test) = (Count(data.Train, i), Count(data.Validation, i), Count(data.Test, i));
            return new ClassCount(c, train + validation + test, train, validation, test);
        }).ToList();
        if (SplitCoverage.TrainingProblem(name, version.Number, counts, version.Split) is { } splitProblem)
        {
            throw ProblemException.Invalid(splitProblem);
        }
    }
}
