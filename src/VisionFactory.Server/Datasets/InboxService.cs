using Microsoft.Extensions.Options;
using VisionFactory.Datasets.Collect.Inbox;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Jobs;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Server.Datasets;

/// <summary>
/// Imports what arrives in the upload inbox (<c>Collect:Inbox:Path</c>, written by vsftpd): every completely uploaded
/// batch of a dataset becomes an import job, shown with the others; a batch that cannot be imported is moved to the
/// inbox's <c>.failed</c> folder with the reason.
/// </summary>
public sealed partial class InboxService(IOptions<InboxOptions> settings, ImportJobs jobs, ImageLimits limits, ILogger<InboxService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = settings.Value;
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            return;
        }

        var watcher = new InboxWatcher(options, TimeProvider.System);
        using var timer = new PeriodicTimer(options.ScanEvery);
        LogWatching(logger, options.Path);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                foreach (var batch in watcher.Scan())
                {
                    Start(watcher, batch);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogScanFailed(logger, e, options.Path);
            }
        }
    }

    private void Start(InboxWatcher watcher, InboxBatch batch)
    {
        if (DatasetName.Validate(batch.Dataset) is { } problem)
        {
            watcher.Failed(batch, $"the folder '{batch.Dataset}' cannot name a dataset: {problem}");
            return;
        }

        var description = $"inbox: {batch.Files} file{(batch.Files == 1 ? "" : "s")}";
        // The inbox acts for the administrator who set it up (deploy/ftp-inbox): files dropped there are imported.
        jobs.Start(batch.Dataset, description, startedBy: Domain.Users.Caller.Operator("the FTP inbox"), work: async (services, progress, ct) =>
        {
            try
            {
                var version = await services.GetRequiredService<DatasetImporter>()
                    .ImportAsync(batch.Dataset, [batch.Folder], description, ImportOptions.Default with { Limits = limits }, progress, ct).ConfigureAwait(false);
                InboxWatcher.Completed(batch);
                return version;
            }
            catch (ProblemException e)
            {
                watcher.Failed(batch, e.Message);
                throw;
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching the upload inbox {Path}")]
    private static partial void LogWatching(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not scan the upload inbox {Path}")]
    private static partial void LogScanFailed(ILogger logger, Exception exception, string path);
}
