using Hangfire;
using Microsoft.Extensions.Options;
using VisionFactory.Factory.Maintenance;
using VisionFactory.Storage.Maintenance;

namespace VisionFactory.Server.Admin;

/// <summary>
/// On start (after interrupted import jobs are marked): removes the staging that a killed process left under
/// <c>&lt;data&gt;/tmp</c> (uploads, partial blob writes, remote copies), and schedules the garbage collection.
/// </summary>
internal sealed partial class StorageMaintenance(
    IServiceScopeFactory scopes, IRecurringJobManager recurring, IOptions<MaintenanceOptions> options, ILogger<StorageMaintenance> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var (count, bytes) = await scope.ServiceProvider.GetRequiredService<BlobCollector>()
                .CleanStagingAsync(TimeSpan.FromMinutes(settings.GcGraceMinutes), cancellationToken).ConfigureAwait(false);
            if (count > 0)
            {
                LogStagingCleaned(logger, count, bytes);
            }
        }

        if (string.IsNullOrWhiteSpace(settings.GcSchedule))
        {
            recurring.RemoveIfExists(BlobCollectionJob.RecurringJobId);
        }
        else
        {
            var grace = settings.GcGraceMinutes;
            recurring.AddOrUpdate<BlobCollectionJob>(
                BlobCollectionJob.RecurringJobId, job => job.RunAsync(grace, CancellationToken.None), settings.GcSchedule);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} left-over staging entries ({Bytes} bytes) under the data folder's tmp")]
    private static partial void LogStagingCleaned(ILogger logger, int count, long bytes);
}
