using VisionFactory.Datasets.Jobs;

namespace VisionFactory.Server.Datasets;

/// <summary>
/// On start, marks interrupted the import jobs that a stopped or crashed process left running (after the schema is
/// migrated); on stop, ends this host's running jobs as interrupted before the database goes away.
/// </summary>
internal sealed partial class ImportJobRecovery(ImportJobs jobs, ILogger<ImportJobRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var interrupted = await jobs.RecoverAsync(cancellationToken).ConfigureAwait(false);
        foreach (var job in interrupted)
        {
            LogInterrupted(logger, job.Id, job.Dataset);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => jobs.StopAsync(TimeSpan.FromSeconds(10));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import job {Id} into {Dataset} was running when the host stopped; marked interrupted")]
    private static partial void LogInterrupted(ILogger logger, Guid id, string dataset);
}
