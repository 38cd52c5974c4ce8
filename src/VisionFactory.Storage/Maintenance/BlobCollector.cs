using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain.Datasets;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Storage.Maintenance;

/// <summary>What a garbage collection found and (unless it was a dry run) removed.</summary>
public sealed record CollectionReport
{
    /// <summary>Nothing was deleted; the figures say what would have been.</summary>
    public required bool DryRun { get; init; }

    /// <summary>Blobs in the store.</summary>
    public int BlobsSeen { get; init; }

    /// <summary>Unreferenced blobs deleted (or that would be).</summary>
    public int BlobsDeleted { get; init; }

    /// <summary>Their bytes.</summary>
    public long BytesFreed { get; init; }

    /// <summary>Unreferenced blobs kept because they are younger than the grace period or claimed by work in flight.</summary>
    public int BlobsKeptYoung { get; init; }

    /// <summary>Left-over staging entries (uploads, partial blob writes, remote copies) deleted (or that would be).</summary>
    public int StagingDeleted { get; init; }

    /// <summary>Their bytes.</summary>
    public long StagingBytes { get; init; }
}

/// <summary>
/// Reclaims space no row refers to. A blob is deleted only when no row names it, no import in this process has claimed
/// it and it was last written (or last found present by an import) longer ago than the grace period, so an import in
/// flight, here or in another process, is never robbed of a blob it is about to commit. Staging entries under
/// <c>&lt;data&gt;/tmp</c> are removed when no import job is live (or, with one live, when they are older than the grace period).
/// </summary>
public sealed class BlobCollector(VisionFactoryDb db, BlobStore blobs, DataDirectory data, TimeProvider time)
{
    /// <summary>The default grace period: longer than any import keeps a blob unreferenced.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromHours(1);

    // An import job whose heartbeat is older than this is not live (the import runner beats every half second).
    private static readonly TimeSpan LiveHeartbeat = TimeSpan.FromMinutes(2);

    /// <summary>Collects unreferenced blobs older than <paramref name="grace"/> and left-over staging.</summary>
    public async Task<CollectionReport> CollectAsync(TimeSpan grace, bool dryRun, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var staging = await CollectStagingAsync(grace, dryRun, now, everything: false, cancellationToken).ConfigureAwait(false);
        var referenced = await BlobReferences.ReferencedAsync(db, cancellationToken).ConfigureAwait(false);
        int seen = 0, deleted = 0, young = 0;
        long freed = 0;
        if (Directory.Exists(data.BlobsPath))
        {
            foreach (var file in new DirectoryInfo(data.BlobsPath).EnumerateFiles("*", SearchOption.AllDirectories))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var sha = file.Name;
                if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower))
                {
                    continue;
                }

                seen++;
                if (referenced.Contains(sha))
                {
                    continue;
                }

                if (now - file.LastWriteTimeUtc < grace || blobs.IsClaimed(sha))
                {
                    young++;
                    continue;
                }

                var length = file.Length;
                if (dryRun || blobs.DeleteUnclaimed(sha, s => IsReferencedNow(s, grace, now)))
                {
                    deleted++;
                    freed += length;
                }
            }
        }

        return new CollectionReport
        {
            DryRun = dryRun,
            BlobsSeen = seen,
            BlobsDeleted = deleted,
            BytesFreed = freed,
            BlobsKeptYoung = young,
            StagingDeleted = staging.Count,
            StagingBytes = staging.Bytes,
        };
    }

    /// <summary>
    /// Clears left-over staging at start-up: when no import job is live, every entry under <c>&lt;data&gt;/tmp</c> is a
    /// remnant of a process that died (kill -9 during uploads); otherwise only those older than <paramref name="grace"/>.
    /// </summary>
    public async Task<(int Count, long Bytes)> CleanStagingAsync(TimeSpan grace, CancellationToken cancellationToken) =>
        await CollectStagingAsync(grace, dryRun: false, time.GetUtcNow().UtcDateTime, everything: true, cancellationToken).ConfigureAwait(false);

    private async Task<(int Count, long Bytes)> CollectStagingAsync(
        TimeSpan grace, bool dryRun, DateTime now, bool everything, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(data.TempPath))
        {
            return (0, 0);
        }

        var live = await AnyLiveImportAsync(cancellationToken).ConfigureAwait(false);
        int count = 0;
        long bytes = 0;
        foreach (var entry in new DirectoryInfo(data.TempPath).EnumerateFileSystemInfos())
        {
            var old = now - LastTouched(entry) >= grace;
            if (!(old || (everything && !live)))
            {
                continue;
            }

            var size = SizeOf(entry);
            try
            {
                if (!dryRun)
                {
                    if (entry is DirectoryInfo folder)
                    {
                        folder.Delete(recursive: true);
                    }
                    else
                    {
                        entry.Delete();
                    }
                }

                count++;
                bytes += size;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Still open by someone (an upload on another host sharing the folder): the next collection tries again.
            }
        }

        return (count, bytes);
    }

    private bool IsReferencedNow(string sha, TimeSpan grace, DateTime now)
    {
        // Asked again under the store's claim lock: an import may have committed a version naming it, or found it
        // present (and touched it), since the references were read.
        var file = new FileInfo(blobs.PathOf(sha));
        return (file.Exists && now - file.LastWriteTimeUtc < grace) || db.Images.AsNoTracking().Any(i => i.Sha256 == sha);
    }

    private async Task<bool> AnyLiveImportAsync(CancellationToken cancellationToken)
    {
        var since = time.GetUtcNow() - LiveHeartbeat;
        var open = await db.ImportJobs.AsNoTracking()
            .Where(j => j.State == ImportJobState.Queued || j.State == ImportJobState.Running)
            .Select(j => j.HeartbeatAt)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return open.Any(beat => beat is { } at && at >= since);
    }

    private static DateTime LastTouched(FileSystemInfo entry)
    {
        if (entry is not DirectoryInfo folder)
        {
            return entry.LastWriteTimeUtc;
        }

        var newest = folder.LastWriteTimeUtc;
        foreach (var inner in folder.EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            if (inner.LastWriteTimeUtc > newest)
            {
                newest = inner.LastWriteTimeUtc;
            }
        }

        return newest;
    }

    private static long SizeOf(FileSystemInfo entry) => entry switch
    {
        FileInfo file => file.Length,
        DirectoryInfo folder => folder.EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length),
        _ => 0,
    };
}
