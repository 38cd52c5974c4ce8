using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Runs;
using VisionFactory.Factory.Runs;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf sweep &lt;dataset&gt; --arch a,b --lr x,y ...</c>: one run per combination, one leaderboard.</summary>
public static class SweepCommand
{
    public static Command Create(GlobalOptions globals, bool interactive)
    {
        var dataset = new Argument<string>("dataset") { Description = "Dataset name" };
        var shared = new TrainingOptions();
        var archs = new Option<string?>("--arch") { Description = "Architectures to try, comma-separated (default: resnet18-imagenet)" };
        var lrs = new Option<string?>("--lr") { Description = "Peak learning rates to try, comma-separated" };
        var batches = new Option<string?>("--batch-size") { Description = "Batch sizes to try, comma-separated" };
        var epochs = new Option<string?>("--epochs") { Description = "Epoch counts to try, comma-separated" };
        var optimizers = new Option<string?>("--optimizer") { Description = "Optimizers to try, comma-separated (sgd, adamw)" };
        var decays = new Option<string?>("--weight-decay") { Description = "Weight decays to try, comma-separated" };
        var strategy = new Option<SweepStrategy>("--strategy") { Description = "grid: every combination; random: --trials of them", DefaultValueFactory = _ => SweepStrategy.Grid };
        var trials = new Option<int>("--trials") { Description = "For a random search: how many runs", DefaultValueFactory = _ => new SweepSpec().Trials };
        var wait = new Option<bool>("--wait") { Description = "Train the runs in this process, as many at once as the thread budget allows, then print the leaderboard" };
        var command = new Command("sweep", "Queue a grid or random search over architectures and hyper-parameters; prints its runs and leaderboard")
        {
            dataset, archs, lrs, batches, epochs, optimizers, decays, strategy, trials, wait,
        };
        shared.AddTo(command, withSweepable: false);

        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var request = new SweepRequest(
                parse.GetValue(dataset),
                parse.GetValue(strategy),
                parse.GetValue(trials),
                shared.ToRequest(parse, null, withSweepable: false),
                List(parse.GetValue(archs), "--arch", s => s),
                List(parse.GetValue(lrs), "--lr", s => double.Parse(s, CultureInfo.InvariantCulture)),
                List(parse.GetValue(batches), "--batch-size", s => int.Parse(s, CultureInfo.InvariantCulture)),
                List(parse.GetValue(epochs), "--epochs", s => int.Parse(s, CultureInfo.InvariantCulture)),
                List(parse.GetValue(optimizers), "--optimizer", s => Enum.Parse<OptimizerKind>(s, ignoreCase: true)),
                List(parse.GetValue(decays), "--weight-decay", s => double.Parse(s, CultureInfo.InvariantCulture)));

            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            SweepReport report;
            await using (var scope = services.CreateAsyncScope())
            {
                report = await scope.ServiceProvider.GetRequiredService<SweepService>().StartAsync(request, ct).ConfigureAwait(false);
            }

            if (parse.GetValue(wait))
            {
                if (!cli.Json)
                {
                    cli.Console.MarkupLine(CultureInfo.InvariantCulture, "Sweep [bold]{0}[/]: training {1} runs here", report.Sweep.Id, report.Runs.Count);
                }

                await Task.WhenAll(report.Runs.Select(async run =>
                {
                    var scope = services.CreateAsyncScope();
                    await using (scope.ConfigureAwait(false))
                    {
                        await scope.ServiceProvider.GetRequiredService<RunExecutor>().ExecuteAsync(run.Id, ct).ConfigureAwait(false);
                    }
                })).ConfigureAwait(false);

                // Runs a server's worker took are followed to their end.
                foreach (var run in report.Runs)
                {
                    await foreach (var _ in services.GetRequiredService<RunWatcher>().WatchAsync(run.Id, TimeSpan.FromMilliseconds(500), cancellationToken: ct).ConfigureAwait(false))
                    {
                    }
                }

                await using var scope2 = services.CreateAsyncScope();
                report = await scope2.ServiceProvider.GetRequiredService<SweepService>().GetAsync(report.Sweep.Id, ct).ConfigureAwait(false);
            }

            Write(cli, report);
            return 0;
        }));
        return command;
    }

    private static void Write(CliContext cli, SweepReport report)
    {
        if (cli.Json)
        {
            cli.WriteJson(new
            {
                sweep = report.Sweep.Id,
                dataset = report.Sweep.DatasetName,
                finished = report.Finished,
                runs = report.Runs.Select(RunsCommands.Describe).ToList(),
                leaderboard = report.Leaderboard,
            });
            return;
        }

        cli.Console.MarkupLine(CultureInfo.InvariantCulture, "Sweep [bold]{0}[/] on {1}: {2} runs{3}",
            report.Sweep.Id, Markup.Escape(report.Sweep.DatasetName), report.Runs.Count, report.Finished ? "" : " (follow them with 'vf runs list --sweep " + report.Sweep.Id + "')");
        var table = new Table().AddColumn("#").AddColumn("run").AddColumn("architecture").AddColumn(new TableColumn("lr").RightAligned())
            .AddColumn(new TableColumn("batch").RightAligned()).AddColumn(new TableColumn("epochs").RightAligned()).AddColumn("state")
            .AddColumn(new TableColumn("accuracy").RightAligned()).AddColumn(new TableColumn("loss").RightAligned()).AddColumn("model");
        foreach (var e in report.Leaderboard)
        {
            table.AddRow(
                e.Rank.ToString(CultureInfo.InvariantCulture), e.Run, Markup.Escape(e.Architecture), Tables.Number(e.LearningRate ?? double.NaN, "0.#####"),
                e.BatchSize.ToString(CultureInfo.InvariantCulture), e.Epochs.ToString(CultureInfo.InvariantCulture), e.State.ToString().ToLowerInvariant(),
                Tables.Percent(e.Accuracy ?? double.NaN), Tables.Number(e.Loss ?? double.NaN), e.Model ?? "-");
        }

        cli.Console.Write(table);
    }

    private static List<T> List<T>(string? text, string option, Func<string, T> parse)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var values = new List<T>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                values.Add(parse(part));
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw ProblemException.Invalid($"{option}: '{part}' is not a valid value (list values separated by commas, e.g. {option} 0.01,0.1)");
            }
        }

        return values;
    }
}
