using VisionFactory.Domain;
using VisionFactory.Factory.Training;

namespace VisionFactory.Server.Runs;

/// <summary>
/// Trains the queued runs one at a time, in-process, each in its own DI scope; a run in progress is cancelled
/// when the host stops.
/// </summary>
internal sealed partial class TrainingWorker(TrainingQueue queue, IServiceScopeFactory scopes, ILogger<TrainingWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var run in queue.Pending.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await TrainAsync(run, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: fall through and mark what is left.
        }

        queue.Close();
        while (queue.Pending.TryRead(out var left))
        {
            left.Fail("the server shut down before the run started; submit it again");
        }
    }

    private async Task TrainAsync(TrainingRun run, CancellationToken stoppingToken)
    {
        run.Start();
        LogStarted(logger, run.Id, run.Dataset);
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            try
            {
                var training = scope.ServiceProvider.GetRequiredService<TrainingService>();
                var model = await training.TrainAsync(run.Dataset, run.Spec, run, stoppingToken).ConfigureAwait(false);
                run.Succeed(model.Id);
                LogSucceeded(logger, run.Id, model.Id);
            }
            catch (ProblemException e)
            {
                run.Fail(e.Message);
                LogFailed(logger, run.Id, e.Message);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                run.Fail("cancelled: the server shut down while the run was training; submit it again");
                throw;
            }
#pragma warning disable CA1031 // One broken run must not stop the worker; the run records what went wrong.
            catch (Exception e)
#pragma warning restore CA1031
            {
                run.Fail($"training failed unexpectedly: {e.Message}");
                LogCrashed(logger, run.Id, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} started on dataset {Dataset}")]
    private static partial void LogStarted(ILogger logger, string runId, string dataset);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} succeeded: model {ModelId}")]
    private static partial void LogSucceeded(ILogger logger, string runId, string modelId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} failed unexpectedly")]
    private static partial void LogCrashed(ILogger logger, string runId, Exception exception);
}
