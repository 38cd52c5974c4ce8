using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Models.Metrics;
using VisionFactory.Factory.Evaluation;

namespace VisionFactory.Cli.Commands;

/// <summary>
/// <c>vf dataset external-test</c>: name, show or clear a dataset's external test set; and how <c>vf evaluate</c> and
/// <c>vf models</c> show the external figure and the test-score notice.
/// </summary>
public static class ExternalTestCommands
{
    public static Command Create(GlobalOptions globals, bool interactive)
    {
        var dataset = new Argument<string>("dataset") { Description = "The dataset whose models are evaluated" };
        var external = new Argument<string?>("external")
        {
            Description = "The dataset to evaluate them on as well: images from another source, classes matched by name (omit to show the current one)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var clear = new Option<bool>("--clear") { Description = "Remove the external test set (its models' figures on it are forgotten)" };
        var command = new Command(
            "external-test",
            "Name another dataset as this dataset's external test set: every new model is also evaluated on all its images, " +
            "and leaderboards show that accuracy beside the own test split ('vf evaluate <model> --external' for an existing model)")
        {
            dataset, external, clear,
        };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var sets = scope.ServiceProvider.GetRequiredService<ExternalTestSets>();
            var name = parse.GetValue(dataset)!;
            var other = parse.GetValue(external);
            if (parse.GetValue(clear) && other is not null)
            {
                throw ProblemException.Invalid("give either an external test set or --clear, not both");
            }

            var link = parse.GetValue(clear) ? await sets.ClearAsync(name, ct).ConfigureAwait(false)
                : other is not null ? await sets.SetAsync(name, other, ct).ConfigureAwait(false)
                : await sets.GetAsync(name, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(link);
                return 0;
            }

            cli.Console.MarkupLine(link.ExternalTestSet is { } set
                ? $"[bold]{Markup.Escape(link.Dataset)}[/]: external test set [bold]{Markup.Escape(set)}[/]; new models are evaluated on it when training ends, " +
                  $"an existing one with [bold]vf evaluate <model> --external[/]"
                : $"[bold]{Markup.Escape(link.Dataset)}[/] has no external test set; name one with [bold]vf dataset external-test {Markup.Escape(link.Dataset)} <other-dataset>[/]");
            return 0;
        }));
        return command;
    }

    /// <summary>The external figure beside the own test split, and what the own figure can promise.</summary>
    public static void WriteBeside(IAnsiConsole console, EvaluationReport own, EvaluationReport? external)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(own);
        console.MarkupLine(Markup.Escape(Describe(own, external)));
        if (external is not null)
        {
            console.MarkupLine(Markup.Escape("external recall per class: " + string.Join(", ", external.PerClass.Where(c => c.Support > 0)
                .Select(c => $"{c.Class} {Tables.Percent(c.Recall)} ({c.Support})"))));
            foreach (var warning in ExternalGapCheck.Assess(own, external).Warnings)
            {
                console.MarkupLine("[red]shortcut warning:[/] " + Markup.Escape(warning));
            }
        }

        WriteNotice(console, own, external);
    }

    /// <summary>"Own test split 99.48% · External (masks-real v1) 77.51%".</summary>
    public static string Describe(EvaluationReport own, EvaluationReport? external)
    {
        ArgumentNullException.ThrowIfNull(own);
        var text = $"Own test split {Tables.Percent(own.Accuracy)} ({own.Images} images)";
        return external is null
            ? text + " · External: none (name one with 'vf dataset external-test <dataset> <other-dataset>')"
            : text + string.Create(CultureInfo.InvariantCulture, $" · External ({external.Dataset} v{external.DatasetVersion}) {Tables.Percent(external.Accuracy)} ({external.Images} images)");
    }

    /// <summary>The notice for a small or near-perfect test split, if it needs one.</summary>
    public static void WriteNotice(IAnsiConsole console, EvaluationReport own, EvaluationReport? external)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (TestScoreNotice.For(own, external) is not { } notice)
        {
            return;
        }

        console.MarkupLine("[yellow]notice:[/] " + Markup.Escape(string.Join(" ", notice.Messages)));
    }
}
