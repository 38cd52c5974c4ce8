using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Domain.Runs;
using VisionFactory.Factory.Runs;

namespace VisionFactory.Cli.Output;

/// <summary>Follows a run until it ends, with progress bars on a terminal; returns the run as it ended.</summary>
public static class RunFollower
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    public static async Task<TrainingRun> FollowAsync(CliContext cli, IServiceProvider services, string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(services);
        var watcher = services.GetRequiredService<RunWatcher>();
        if (cli.Interactive)
        {
            await cli.Console.Progress()
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var view = new TrainingProgressView(ctx);
                    await foreach (var update in watcher.WatchAsync(runId, Interval, cancellationToken: cancellationToken).ConfigureAwait(false))
                    {
                        if (update.Progress is { } progress)
                        {
                            view.Show(progress);
                        }
                    }

                    view.Finish();
                })
                .ConfigureAwait(false);
        }
        else
        {
            await foreach (var _ in watcher.WatchAsync(runId, Interval, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                // Only the end matters without a terminal.
            }
        }

        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<RunService>().GetAsync(runId, cancellationToken).ConfigureAwait(false);
    }
}
