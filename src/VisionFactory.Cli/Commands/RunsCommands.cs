using System.CommandLine;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Domain.Runs;
using VisionFactory.Factory.Runs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf runs list|show|watch|cancel|resume</c>: the factory's queue from the command line.</summary>
public static class RunsCommands
{
    public static Command Create(GlobalOptions globals, bool interactive)
    {
        var command = new Command("runs", "List, follow, cancel and resume training runs");
        command.Add(CreateList(globals, interactive));
        command.Add(CreateShow(globals, interactive));
        command.Add(CreateWatch(globals, interactive));
        command.Add(CreateCancel(globals, interactive));
        command.Add(CreateResume(globals, interactive));
        return command;
    }

    /// <summary>
    /// Trains a queued run in this process (the command line is a worker while it waits) and follows it to the end;
    /// if a server's worker took it first, follows that one instead.
    /// </summary>
    public static async Task<int> TrainHereAsync(CliContext cli, IServiceProvider services, string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(services);
        var scope = services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var execution = scope.ServiceProvider.GetRequiredService<RunExecutor>().ExecuteAsync(runId, cancellationToken);
            TrainingRun run;
            try
            {
                run = await RunFollower.FollowAsync(cli, services, runId, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // On Ctrl+C or SIGTERM the executor checkpoints and queues the run again before this returns.
                await execution.ConfigureAwait(false);
            }

            var model = run.ModelId is { } id
                ? await scope.ServiceProvider.GetRequiredService<VisionFactoryDb>().Models.AsNoTracking()
                    .SingleOrDefaultAsync(m => m.Id == id, cancellationToken).ConfigureAwait(false)
                : null;
            return TrainCommand.WriteOutcome(cli, run, model);
        }
    }

    public static int WriteQueued(CliContext cli, TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(run);
        if (cli.Json)
        {
            cli.WriteJson(Describe(run));
            return 0;
        }

        cli.Console.MarkupLine(CultureInfo.InvariantCulture,
            "Run [bold]{0}[/] is {1}. A worker ('vf serve') trains it; follow it with [bold]vf runs watch {0}[/]",
            run.Id, run.State.ToString().ToLowerInvariant());
        return 0;
    }

    private static Command CreateList(GlobalOptions globals, bool interactive)
    {
        var state = new Option<RunState?>("--state") { Description = "Only runs in this state" };
        var sweep = new Option<string?>("--sweep") { Description = "Only the runs of this sweep" };
        var take = new Option<int>("--take") { Description = "At most this many, newest first", DefaultValueFactory = _ => 50 };
        var command = new Command("list", "List runs, newest first") { state, sweep, take };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var runs = await scope.ServiceProvider.GetRequiredService<RunService>()
                .ListAsync(parse.GetValue(state), parse.GetValue(sweep), 0, parse.GetValue(take), ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(runs.Select(Describe).ToList());
                return 0;
            }

            if (runs.Count == 0)
            {
                cli.Console.MarkupLine("No runs yet: queue one with [bold]vf train <dataset>[/]");
                return 0;
            }

            var table = new Table().AddColumn("run").AddColumn("dataset").AddColumn("architecture").AddColumn("state")
                .AddColumn("epochs done").AddColumn("model").AddColumn("created");
            foreach (var run in runs)
            {
                table.AddRow(
                    run.Id, Markup.Escape(run.DatasetName), Markup.Escape(run.Spec.Architecture), run.State.ToString().ToLowerInvariant(),
                    string.Create(CultureInfo.InvariantCulture, $"{run.CheckpointEpoch}/{run.Spec.ResolvedEpochs}"), run.ModelId ?? "-",
                    run.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            }

            cli.Console.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command CreateShow(GlobalOptions globals, bool interactive)
    {
        var id = new Argument<string>("run") { Description = "Run id" };
        var command = new Command("show", "Show a run: state, progress, lease, checkpoint and its epochs") { id };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var runs = scope.ServiceProvider.GetRequiredService<RunService>();
            var run = await runs.GetAsync(parse.GetValue(id)!, ct).ConfigureAwait(false);
            var epochs = await runs.MetricsAsync(run.Id, MetricKind.Epoch, 0, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(new { run = Describe(run), epochs });
                return 0;
            }

            cli.Console.MarkupLine(CultureInfo.InvariantCulture, "Run [bold]{0}[/] on {1}: [bold]{2}[/]{3}",
                run.Id, Markup.Escape(run.DatasetName), run.State.ToString().ToLowerInvariant(),
                run.Reason is { } r ? " (" + Markup.Escape(r) + ")" : "");
            cli.Console.MarkupLine(CultureInfo.InvariantCulture, "{0}, {1}, attempts {2}, crashes {3}, checkpoint after epoch {4}{5}",
                Markup.Escape(run.Spec.Architecture), run.Spec.Mode.ToString().ToLowerInvariant(), run.Attempts, run.Crashes, run.CheckpointEpoch,
                run.ModelId is { } m ? ", model " + m : "");
            var table = new Table().AddColumn("epoch").AddColumn(new TableColumn("train loss").RightAligned())
                .AddColumn(new TableColumn("train acc").RightAligned()).AddColumn(new TableColumn("val loss").RightAligned())
                .AddColumn(new TableColumn("val acc").RightAligned()).AddColumn(new TableColumn("lr").RightAligned())
                .AddColumn(new TableColumn("img/s").RightAligned());
            foreach (var e in epochs)
            {
                table.AddRow(
                    e.Epoch.ToString(CultureInfo.InvariantCulture), Tables.Number(e.TrainLoss), Tables.Percent(e.TrainAccuracy),
                    Tables.Number(e.ValidationLoss ?? double.NaN), Tables.Percent(e.ValidationAccuracy ?? double.NaN),
                    Tables.Number(e.LearningRate, "0.000000"), Tables.Number(e.ImagesPerSecond, "0.0"));
            }

            cli.Console.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command CreateWatch(GlobalOptions globals, bool interactive)
    {
        var id = new Argument<string>("run") { Description = "Run id" };
        var command = new Command("watch", "Follow a run live until it ends, wherever it trains") { id };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            var runId = parse.GetValue(id)!;
            if (cli.Json)
            {
                // One JSON document per update, one per line, so that a script can read them as they come.
                await foreach (var update in services.GetRequiredService<RunWatcher>().WatchAsync(runId, TimeSpan.FromMilliseconds(500), cancellationToken: ct).ConfigureAwait(false))
                {
                    cli.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(update, CliJson.Compact));
                }

                return 0;
            }

            var run = await RunFollower.FollowAsync(cli, services, runId, ct).ConfigureAwait(false);
            cli.Console.MarkupLine(CultureInfo.InvariantCulture, "Run [bold]{0}[/] {1}{2}", run.Id, run.State.ToString().ToLowerInvariant(),
                run.ModelId is { } m ? ": model " + m : run.Reason is { } r ? ": " + Markup.Escape(r) : "");
            return 0;
        }));
        return command;
    }

    private static Command CreateCancel(GlobalOptions globals, bool interactive)
    {
        var id = new Argument<string>("run") { Description = "Run id" };
        var command = new Command("cancel", "Cancel a queued or running run; it keeps its last checkpoint") { id };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var run = await scope.ServiceProvider.GetRequiredService<RunService>().CancelAsync(parse.GetValue(id)!, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(Describe(run));
                return 0;
            }

            cli.Console.MarkupLine(CultureInfo.InvariantCulture, run.State == RunState.Cancelled
                ? "Run [bold]{0}[/] cancelled"
                : "Run [bold]{0}[/] will stop within seconds; its worker keeps the last checkpoint", run.Id);
            return 0;
        }));
        return command;
    }

    private static Command CreateResume(GlobalOptions globals, bool interactive)
    {
        var id = new Argument<string>("run") { Description = "Run id" };
        var wait = new Option<bool>("--wait") { Description = "Train it in this process until it ends" };
        var command = new Command("resume", "Queue a cancelled, failed or interrupted run again; it continues from its last checkpoint") { id, wait };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            TrainingRun run;
            await using (var scope = services.CreateAsyncScope())
            {
                run = await scope.ServiceProvider.GetRequiredService<RunService>().ResumeAsync(parse.GetValue(id)!, ct).ConfigureAwait(false);
            }

            return parse.GetValue(wait) ? await TrainHereAsync(cli, services, run.Id, ct).ConfigureAwait(false) : WriteQueued(cli, run);
        }));
        return command;
    }

    public static object Describe(TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new
        {
            id = run.Id,
            dataset = run.DatasetName,
            sweep = run.SweepId,
            state = run.State,
            reason = run.Reason,
            progress = run.Progress,
            model = run.ModelId,
            attempts = run.Attempts,
            crashes = run.Crashes,
            worker = run.LeaseOwner,
            checkpoint_epoch = run.CheckpointEpoch,
            created_at = run.CreatedAt,
            started_at = run.StartedAt,
            finished_at = run.FinishedAt,
            spec = run.Spec,
        };
    }
}
