using Microsoft.EntityFrameworkCore;
using VisionFactory.Storage.Database;

namespace VisionFactory.Storage.Maintenance;

/// <summary>One row's reference to a blob, named the way an administrator finds the row again.</summary>
/// <param name="Sha256">The blob.</param>
/// <param name="Owner">What refers to it, e.g. "dataset masks v2: with_mask/a.jpg" or "model m-1a2b3c4d (weights)".</param>
public sealed record BlobReference(string Sha256, string Owner);

/// <summary>Every blob the database refers to: dataset images, model files, stored predictions, imported weights, pipeline previews.</summary>
public static class BlobReferences
{
    /// <summary>The sha256 of every referenced blob.</summary>
    public static async Task<HashSet<string>> ReferencedAsync(VisionFactoryDb db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var all = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var sha in db.Images.AsNoTracking().Select(i => i.Sha256).Distinct().AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            all.Add(sha);
        }

        foreach (var reference in await ListAsync(db, withImages: false, cancellationToken).ConfigureAwait(false))
        {
            all.Add(reference.Sha256);
        }

        return all;
    }

    /// <summary>Every reference with its owner; <paramref name="withImages"/> includes one per dataset image (per version).</summary>
    public static async Task<List<BlobReference>> ListAsync(VisionFactoryDb db, bool withImages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var references = new List<BlobReference>();
        if (withImages)
        {
            var images = await db.Images.AsNoTracking()
                .Join(db.DatasetVersions, i => i.DatasetVersionId, v => v.Id, (i, v) => new { i.Sha256, i.SourcePath, v.Number, v.DatasetId })
                .Join(db.Datasets, x => x.DatasetId, d => d.Id, (x, d) => new { x.Sha256, x.SourcePath, x.Number, d.Name })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            references.AddRange(images.Select(i => new BlobReference(i.Sha256, $"dataset {i.Name} v{i.Number}: {i.SourcePath}")));
        }

        var models = await db.Models.AsNoTracking()
            .Select(m => new { m.Id, m.ArtifactSha256, m.Evaluation, m.ExternalEvaluation })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var model in models)
        {
            references.Add(new BlobReference(model.ArtifactSha256, $"model {model.Id} (its file)"));
            if (model.Evaluation?.PredictionsSha256 is { } predictions)
            {
                references.Add(new BlobReference(predictions, $"model {model.Id} (its test predictions)"));
            }

            if (model.ExternalEvaluation?.PredictionsSha256 is { } external)
            {
                references.Add(new BlobReference(external, $"model {model.Id} (its external test predictions)"));
            }
        }

        var weights = await db.ImportedWeights.AsNoTracking().Select(w => new { w.Architecture, w.Sha256 })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        references.AddRange(weights.Select(w => new BlobReference(w.Sha256, $"imported weights of {w.Architecture}")));

        var previews = await db.PipelineResults.AsNoTracking().Where(r => r.ThumbnailSha256 != null)
            .Select(r => new { r.Pipeline, Sha = r.ThumbnailSha256! }).Distinct()
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        references.AddRange(previews.Select(p => new BlobReference(p.Sha, $"pipeline {p.Pipeline} (a result's preview)")));
        return references;
    }
}
