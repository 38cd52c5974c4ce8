using Microsoft.Extensions.Logging;
using VisionFactory.Storage.Maintenance;

namespace VisionFactory.Factory.Maintenance;

/// <summary>
/// The scheduled garbage collection, run by the job queue (a Hangfire recurring job) on whichever worker takes it:
/// unreferenced blobs older than the grace period and left-over staging are deleted.
/// </summary>
public sealed partial class BlobCollectionJob(BlobCollector collector, ILogger<BlobCollectionJob> logger)
{
    /// <summary>The recurring job's id in the queue.</summary>
    public const string RecurringJobId = "blob-gc";

    public async Task RunAsync(double graceMinutes, CancellationToken cancellationToken)
    {
        var report = await collector.CollectAsync(TimeSpan.FromMinutes(graceMinutes), dryRun: false, cancellationToken).ConfigureAwait(false);
        LogCollected(logger, report.BlobsDeleted, report.BlobsSeen, report.BytesFreed, report.StagingDeleted);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Garbage collection deleted {Deleted} of {Seen} blobs ({Bytes} bytes) and {Staging} staging entries")]
    private static partial void LogCollected(ILogger logger, int deleted, int seen, long bytes, int staging);
}
