using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Domain.Pipelines;
using VisionFactory.Pipelines.Runtime;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Pipelines.Sinks;

/// <summary>Settings of <c>results_store</c>.</summary>
public sealed class ResultsStoreSettings
{
    /// <summary>Keep a JPEG preview of every stored frame (for the dashboard and the results API).</summary>
    public bool Thumbnails { get; set; } = true;

    /// <summary>Store only frames with at least one label or face (false stores every frame).</summary>
    public bool OnlyWithFindings { get; set; }

    /// <summary>Keep the newest this many results of the pipeline; older rows and their previews are deleted as new ones arrive.</summary>
    public int KeepLast { get; set; } = 100_000;
}

/// <summary>The platform's results store: one database row per frame, previews in the blob store.</summary>
public sealed class ResultsStoreSink : IResultSink
{
    private readonly ResultsStoreSettings settings;
    private readonly AsyncServiceScope scope;
    private readonly VisionFactoryDb db;
    private readonly BlobStore blobs;
    private int sincePrune;

    public ResultsStoreSink(ResultsStoreSettings settings, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        this.settings = settings;
        scope = services.CreateAsyncScope();
        db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        blobs = services.GetRequiredService<BlobStore>();
    }

    public bool WantsThumbnail => settings.Thumbnails;

    public async Task WriteAsync(FrameResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (settings.OnlyWithFindings && result.Labels.Count == 0 && result.Faces.Count == 0)
        {
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        db.PipelineResults.Add(new PipelineResult
        {
            Pipeline = result.Pipeline,
            Version = result.Version,
            Sequence = result.Sequence,
            CapturedAt = result.CapturedAt,
            Width = result.Width,
            Height = result.Height,
            TopLabel = result.Top?.Label,
            Detections = ResultDocument.DetectionsOf(result),
            ThumbnailSha256 = result.Thumbnail is { } jpeg ? blobs.Put(jpeg) : null,
        });

        // The preview is in the blob store by now: a stop arriving during this one-row save must not leave it there
        // without its row (nothing would ever prune it), so the save runs to its end.
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        db.ChangeTracker.Clear();
        if (++sincePrune >= Math.Max(16, settings.KeepLast / 10))
        {
            // The result is stored: a stop arriving now must not turn it into a failed write, so the (bounded) prune
            // runs to its end.
            sincePrune = 0;
            await PruneAsync(result.Pipeline, CancellationToken.None).ConfigureAwait(false);
        }
    }

    // A long-running pipeline keeps a bounded history: rows beyond the newest KeepLast go, with previews nothing else uses.
    private async Task PruneAsync(string pipeline, CancellationToken cancellationToken)
    {
        var newest = await db.PipelineResults.Where(r => r.Pipeline == pipeline).OrderByDescending(r => r.Id)
            .Skip(settings.KeepLast).Select(r => (long?)r.Id).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (newest is not { } cut)
        {
            return;
        }

        var old = db.PipelineResults.Where(r => r.Pipeline == pipeline && r.Id <= cut);
        var previews = await old.Where(r => r.ThumbnailSha256 != null).Select(r => r.ThumbnailSha256!).Distinct().ToListAsync(cancellationToken).ConfigureAwait(false);
        await old.ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        var stillUsed = await db.PipelineResults.Where(r => r.ThumbnailSha256 != null && previews.Contains(r.ThumbnailSha256))
            .Select(r => r.ThumbnailSha256!).Distinct().ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var sha in previews.Except(stillUsed, StringComparer.Ordinal))
        {
            File.Delete(blobs.PathOf(sha));
        }
    }

    public ValueTask DisposeAsync() => scope.DisposeAsync();
}
