using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Runs;
using VisionFactory.Factory.Runs;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf train &lt;dataset&gt;</c>: queues a training run on the newest version of a dataset; <c>--wait</c> follows it.</summary>
public static class TrainCommand
{
    public static Command Create(GlobalOptions globals, bool interactive)
    {
        var dataset = new Argument<string>("dataset") { Description = "Dataset name" };
        var options = new TrainingOptions();
        var wait = new Option<bool>("--wait")
        {
            Description = "Train now in this process (or follow the worker that took it) until the run ends, then print its model and evaluation",
        };
        var command = new Command("train", "Queue a training run on the newest version of a dataset; with --wait, train it and print its model") { dataset, wait };
        options.AddTo(command, withSweepable: true);

        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var request = options.ToRequest(parse, parse.GetValue(dataset), withSweepable: true);
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            TrainingRun run;
            await using (var scope = services.CreateAsyncScope())
            {
                run = await scope.ServiceProvider.GetRequiredService<RunService>()
                    .EnqueueAsync(request, ct).ConfigureAwait(false);
            }

            if (!parse.GetValue(wait))
            {
                return RunsCommands.WriteQueued(cli, run);
            }

            return await RunsCommands.TrainHereAsync(cli, services, run.Id, ct).ConfigureAwait(false);
        }));
        return command;
    }

    /// <summary>Prints a finished run's model, as <c>vf train --wait</c> and <c>vf runs resume --wait</c> do.</summary>
    public static int WriteOutcome(CliContext cli, TrainingRun run, ModelVersion? model)
    {
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(run);
        if (run.State != RunState.Succeeded || model is null)
        {
            var code = run.State == RunState.Cancelled ? 130 : 1;
            var message = $"run {run.Id} {run.State.ToString().ToLowerInvariant()}: {run.Reason}";
            if (cli.Json)
            {
                cli.WriteJson(new { run = run.Id, state = run.State, error = message, exit_code = code });
            }

            cli.Error.WriteLine("error: " + message);
            return code;
        }

        var spec = model.Spec;
        if (cli.Json)
        {
            cli.WriteJson(new
            {
                model = model.Id,
                run = run.Id,
                dataset = run.DatasetName,
                architecture = spec.Architecture,
                mode = spec.Mode,
                spec,
                training_seconds = model.TrainingSeconds,
                history = model.History,
                evaluation = model.Evaluation,
            });
            return 0;
        }

        cli.Console.MarkupLine(CultureInfo.InvariantCulture,
            "Model [bold]{0}[/] trained in {1:0.0} s by run {2} ({3}, {4}, {5} epochs)",
            model.Id, model.TrainingSeconds, run.Id, Markup.Escape(spec.Architecture), spec.Mode.ToString().ToLowerInvariant(), model.History.Count);
        if (model.History.Count > 0)
        {
            var last = model.History[^1];
            cli.Console.MarkupLine(CultureInfo.InvariantCulture,
                "last epoch: train loss {0}, validation loss {1}, validation accuracy {2}",
                Tables.Number(last.TrainLoss), Tables.Number(last.ValidationLoss), Tables.Percent(last.ValidationAccuracy));
        }

        if (model.Evaluation is { } evaluation)
        {
            Tables.WriteEvaluation(cli.Console, evaluation);
        }

        cli.Console.MarkupLine(CultureInfo.InvariantCulture, "next: [bold]vf predict {0} <image or folder>[/]", model.Id);
        return 0;
    }
}
