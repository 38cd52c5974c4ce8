using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace VisionFactory.Factory.Runs;

/// <summary>
/// Every few seconds, on every node: runs whose worker stopped renewing its lease (killed, frozen, cut off) are queued
/// again to continue from their checkpoint, or failed as poison after three such crashes.
/// </summary>
public sealed partial class LeaseReaper(RunLeases leases, IRunDispatcher queue, FactoryOptions options, ILogger<LeaseReaper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ReapInterval);
        do
        {
            try
            {
                foreach (var runId in await leases.ReapExpiredAsync(stoppingToken).ConfigureAwait(false))
                {
                    LogRequeued(logger, runId);
                    queue.Enqueue(runId);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed pass is retried on the next tick.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogFailed(logger, e);
            }
        }
        while (await NextAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> NextAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: its worker's lease expired; queued again to continue from its checkpoint")]
    private static partial void LogRequeued(ILogger logger, string runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Looking for expired leases failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
