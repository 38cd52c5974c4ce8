using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Training;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Artifacts;
using VisionFactory.Learning.Inference;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Models;

/// <summary>Finds trained models, evaluates them and classifies new images with them.</summary>
public sealed class ModelService(
    VisionFactoryDb db, BlobStore blobs, ArchitectureCatalog architectures, ModelEvaluator evaluator, ImageLimits limits)
{
    public Task<List<ModelVersion>> ListAsync(CancellationToken cancellationToken) =>
        db.Models.AsNoTracking().Include(m => m.DatasetVersion).ThenInclude(v => v!.Dataset)
            .OrderByDescending(m => m.CreatedAt)
            .ToListAsync(cancellationToken);

    public async Task<ModelVersion> GetAsync(string id, CancellationToken cancellationToken)
    {
        var model = await db.Models.AsNoTracking().Include(m => m.DatasetVersion).ThenInclude(v => v!.Dataset)
            .SingleOrDefaultAsync(m => m.Id == id, cancellationToken).ConfigureAwait(false);
        return model ?? throw await NotFoundAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// What running model <paramref name="id"/> needs (its artifact and class names), read without its dataset,
    /// training history and evaluation reports: a one-image <c>vf predict</c> would otherwise spend a good part of its
    /// run reading and deserialising them.
    /// </summary>
    public async Task<ModelArtifactReference> GetArtifactAsync(string id, CancellationToken cancellationToken)
    {
        var model = await db.Models.AsNoTracking().Where(m => m.Id == id)
            .Select(m => new ModelArtifactReference(m.Id, m.ArtifactSha256, m.Classes, m.ImportedFrom != null))
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return model ?? throw await NotFoundAsync(id, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ProblemException> NotFoundAsync(string id, CancellationToken cancellationToken)
    {
        var count = await db.Models.CountAsync(cancellationToken).ConfigureAwait(false);
        return ProblemException.NotFound(count == 0
            ? $"model '{id}' does not exist; no models have been trained yet: run 'vf train <dataset>'"
            : $"model '{id}' does not exist; 'vf models' lists the {count} trained model{(count == 1 ? "" : "s")}");
    }

    /// <summary>
    /// The evaluation on the held-out test split: the stored one, computed again when asked, absent, or stored before
    /// the full set of figures (or the stress test) existed.
    /// </summary>
    public async Task<EvaluationReport> EvaluateAsync(string id, bool recompute, CancellationToken cancellationToken)
    {
        var model = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        // An imported model has no stress test: the test changes pixels inside TorchSharp's tensors.
        if (model.Evaluation is { } stored && stored.HasFullMetrics() && (stored.StressTest is not null || model.IsImported) && !recompute)
        {
            return stored;
        }

        var versionId = model.DatasetVersionId ?? throw ProblemException.Invalid(
            $"model {id} was imported without a dataset, so it has no test split of its own: evaluate it on one with 'vf evaluate {id} --dataset <name>'");
        var version = await new DatasetCatalog(db).GetVersionAsync(versionId, cancellationToken).ConfigureAwait(false);
        var data = TrainingService.DataOf(version);
        EvaluationReport report;
        if (model.IsImported)
        {
            var test = data.Test.Select(i => i with { Label = MapLabel(model, version, i.Label) }).ToList();
            using var engine = OpenImported(Reference(model));
            report = await Task.Run(
                () => evaluator.Evaluate(engine, test, model.Classes, "test", model.Spec.BatchSize, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            using var network = Load(model);
            report = await Task.Run(
                () => evaluator.Evaluate(network, backboneFrozen: false, data.Test, model.Classes, "test", model.Spec.BatchSize, cancellationToken),
                cancellationToken).ConfigureAwait(false);
        }

        report = report with { Dataset = model.DatasetVersion?.Dataset?.Name, DatasetVersion = model.DatasetVersion?.Number };

        var tracked = await db.Models.SingleAsync(m => m.Id == id, cancellationToken).ConfigureAwait(false);
        tracked.Evaluation = report;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return report;
    }

    /// <summary>Classifies each image; an unreadable image gets an error instead of a label, and the rest go on.</summary>
    public async Task<List<Prediction>> PredictAsync(
        string id, IReadOnlyList<(string Name, byte[] Bytes)> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        var model = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        return await Task.Run(
            () =>
            {
                using var network = model.IsImported ? (IClassifierEngine)OpenImported(Reference(model)) : new TorchClassifierEngine(Load(model));
                var decoded = images.AsParallel().AsOrdered().Select(image =>
                {
                    try
                    {
                        return (image.Name, Rgb: ImageDecoder.DecodeSquare(image.Bytes, network.ImageSize, limits, network.Fit).Rgb, Error: (string?)null);
                    }
                    catch (ImageRejectedException e)
                    {
                        return (image.Name, Rgb: Array.Empty<byte>(), Error: (string?)e.Message);
                    }
                }).ToList();

                var usable = decoded.Where(d => d.Error is null).ToList();
                var probabilities = network.Probabilities(usable.Select(u => u.Rgb).ToList(), 32, cancellationToken);
                var byName = new Queue<float[]>(probabilities);
                return decoded.Select(d => d.Error is { } error
                    ? new Prediction(d.Name, null, null, null, error)
                    : Prediction.From(d.Name, model.Classes, byName.Dequeue())).ToList();
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The model's network from its artifact, checked against its sha256; the caller disposes it.</summary>
    public ClassifierNetwork Load(ModelVersion model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Load(Reference(model));
    }

    /// <summary>What running <paramref name="model"/> needs.</summary>
    public static ModelArtifactReference Reference(ModelVersion model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new ModelArtifactReference(model.Id, model.ArtifactSha256, model.Classes, model.IsImported);
    }

    /// <summary>
    /// An imported model's graph on ONNX Runtime, checked against its sha256 while it loads; the caller disposes it.
    /// </summary>
    public OnnxClassifierEngine OpenImported(ModelArtifactReference model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ModelEngines.OpenGraph(blobs.PathOf(model.ArtifactSha256), model.ArtifactSha256)
            ?? throw ProblemException.Damaged(
                $"the ONNX graph of model {model.Id} is missing from the store or no longer matches its sha256 (blob {model.ArtifactSha256}); the data directory may be damaged");
    }

    /// <summary>The model's network from its artifact, checked against its sha256; the caller disposes it.</summary>
    /// <exception cref="ProblemException">The model was imported from ONNX: it has no TorchSharp network.</exception>
    public ClassifierNetwork Load(ModelArtifactReference model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Imported)
            throw NotTorch(model.Id);
        // Streamed from the file, not read into one array: a 45 MB artifact otherwise costs three copies of fresh memory.
        // The file is hashed on another core while the network is read from it: a damaged file cannot hurt the reading
        // (it fails with its own error), and no network leaves here before its file has proved to be the stored one.
        var path = blobs.PathOf(model.ArtifactSha256);
        FileStream artifact;
        try
        {
            artifact = OpenArtifact(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw ProblemException.Damaged(
                $"the artifact of model {model.Id} is missing from the store (blob {model.ArtifactSha256}); the data directory may be damaged or incomplete", e);
        }

        using (artifact)
        {
            var hashing = Task.Run(() =>
            {
                using var copy = OpenArtifact(path);
                return Convert.ToHexStringLower(SHA256.HashData(copy)) == model.ArtifactSha256;
            });
            ClassifierNetwork network;
            try
            {
                network = ModelArtifact.Read(artifact, model.Id, architectures).Network;
            }
            catch (Exception e) when (!hashing.GetAwaiter().GetResult())
            {
                throw Damaged(model, e);
            }

            if (!hashing.GetAwaiter().GetResult())
            {
                network.Dispose();
                throw Damaged(model);
            }

            return network;
        }

        static FileStream OpenArtifact(string path) => new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);

        static ProblemException Damaged(ModelArtifactReference model, Exception? reading = null) =>
            ProblemException.Damaged($"the artifact of model {model.Id} is damaged: its content no longer matches its sha256", reading);
    }

    /// <summary>
    /// Why a model imported from ONNX cannot do what needs its TorchSharp network: explanations, training, resuming,
    /// exporting again, the stress test.
    /// </summary>
    public static ProblemException NotTorch(string id) => ProblemException.Invalid(
        $"model {id} was imported from an ONNX file and runs on ONNX Runtime only: explanations (CAM / Grad-CAM), training, resuming and export " +
        "need a model trained here; it can be evaluated, compared, used to predict and in pipelines");

    // The dataset's class index as the model's (classes matched by name; the import checked that each is known).
    private static int MapLabel(ModelVersion model, Domain.Datasets.DatasetVersion version, int label) => model.ClassIndexOf(version.Classes[label]);
}

/// <summary>
/// A stored model's artifact (a blob, by its sha256), the names of the classes it tells apart, and whether it was imported
/// from ONNX (its artifact is then the graph, run on ONNX Runtime only).
/// </summary>
public sealed record ModelArtifactReference(string Id, string ArtifactSha256, IReadOnlyList<string> Classes, bool Imported = false);

/// <summary>One image's result: the label with its confidence and every class's probability, or why it failed.</summary>
public sealed record Prediction(string File, string? Label, double? Confidence, Dictionary<string, double>? Probabilities, string? Error)
{
    public static Prediction From(string file, IReadOnlyList<string> classes, float[] probabilities)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(probabilities);
        var best = ClassificationMetrics.ArgMax(probabilities);
        return new Prediction(
            file,
            classes[best],
            probabilities[best],
            classes.Select((c, i) => (c, p: (double)probabilities[i])).ToDictionary(x => x.c, x => x.p, StringComparer.Ordinal),
            null);
    }
}
