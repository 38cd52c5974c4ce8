using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain.Datasets;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf dataset import | show | list</c>.</summary>
public static class DatasetCommands
{
    public static Command Create(GlobalOptions globals, bool interactive)
    {
        var dataset = new Command("dataset", "Import and inspect datasets");
        dataset.Add(DatasetImportCommand.Create(globals, interactive));
        dataset.Add(Show(globals, interactive));
        dataset.Add(List(globals, interactive));
        dataset.Add(ReviewCommands.CreateReview(globals, interactive));
        dataset.Add(ReviewCommands.CreateFix(globals, interactive));
        dataset.Add(LabelCommands.CreateLabel(globals, interactive));
        dataset.Add(LabelCommands.CreateRestore(globals, interactive));
        dataset.Add(DatasetExportCommand.Create(globals, interactive));
        dataset.Add(ExternalTestCommands.Create(globals, interactive));
        dataset.Add(PublicDatasetCommands.Create(globals, interactive));
        return dataset;
    }

    private static Command Show(GlobalOptions globals, bool interactive)
    {
        var name = new Argument<string>("name") { Description = "Dataset name" };
        var version = new Option<int?>("--version") { Description = "Version number (default: the newest)" };
        var command = new Command("show", "Class counts, split, duplicates and image size statistics of a dataset") { name, version };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var summary = await scope.ServiceProvider.GetRequiredService<DatasetCatalog>()
                .SummarizeAsync(parse.GetValue(name)!, parse.GetValue(version), ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(summary);
                return 0;
            }

            cli.Console.MarkupLine(CultureInfo.InvariantCulture,
                "[bold]{0}[/] version {1}, {2} images, {3} classes, created {4:u}",
                Markup.Escape(summary.Name), summary.Version, summary.Images, summary.Classes.Count, summary.CreatedAt);
            cli.Console.MarkupLine("source: " + Markup.Escape(summary.Source));
            if (summary.Unlabelled > 0)
            {
                cli.Console.MarkupLine(CultureInfo.InvariantCulture, "{0} unlabelled images in the pool (not trained on until labelled)", summary.Unlabelled);
            }

            WriteClasses(cli.Console, summary);
            var s = summary.Sizes;
            cli.Console.MarkupLine(CultureInfo.InvariantCulture,
                "image width {0}..{1} px (median {2}, mean {3:0}), height {4}..{5} px (median {6}, mean {7:0}); formats: {8}",
                s.MinWidth, s.MaxWidth, s.MedianWidth, s.MeanWidth, s.MinHeight, s.MaxHeight, s.MedianHeight, s.MeanHeight,
                string.Join(", ", summary.Formats.Select(f => $"{f.Key} {f.Value}")));
            cli.Console.MarkupLine(CultureInfo.InvariantCulture,
                "split: {0:0}% train / {1:0}% validation / {2:0}% test, stratified by class, seed {3}",
                summary.Split.Train * 100, summary.Split.Validation * 100, summary.Split.Test * 100, summary.Split.Seed);
            if (summary.ExternalTestSet is { } external)
            {
                cli.Console.MarkupLine("external test set: " + Markup.Escape(external));
            }

            WriteFindings(cli.Console, summary.Import, limit: 20);
            return 0;
        }));
        return command;
    }

    private static Command List(GlobalOptions globals, bool interactive)
    {
        var command = new Command("list", "All datasets with their newest version");
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var list = await scope.ServiceProvider.GetRequiredService<DatasetCatalog>().ListAsync(ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(new { datasets = list });
                return 0;
            }

            if (list.Count == 0)
            {
                cli.Console.MarkupLine("No datasets yet: import a folder with one sub-folder per class: [bold]vf dataset import <name> <folder>[/]");
                return 0;
            }

            var table = new Table().AddColumn("dataset").AddColumn(new TableColumn("version").RightAligned())
                .AddColumn(new TableColumn("images").RightAligned()).AddColumn(new TableColumn("unlabelled").RightAligned()).AddColumn("created");
            foreach (var d in list)
            {
                table.AddRow(Markup.Escape(d.Name), d.LatestVersion.ToString(CultureInfo.InvariantCulture),
                    d.Images.ToString(CultureInfo.InvariantCulture), d.Unlabelled.ToString(CultureInfo.InvariantCulture), d.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
            }

            cli.Console.Write(table);
            return 0;
        }));
        return command;
    }

    internal static void WriteClasses(IAnsiConsole console, DatasetSummary summary)
    {
        var table = new Table().AddColumn("class").AddColumn(new TableColumn("images").RightAligned())
            .AddColumn(new TableColumn("train").RightAligned()).AddColumn(new TableColumn("validation").RightAligned())
            .AddColumn(new TableColumn("test").RightAligned());
        foreach (var c in summary.Classes)
        {
            table.AddRow(Markup.Escape(c.Name), N(c.Images), N(c.Train), N(c.Validation), N(c.Test));
        }

        console.Write(table);
    }

    internal static void WriteFindings(IAnsiConsole console, ImportReport import, int limit)
    {
        foreach (var warning in import.Warnings)
        {
            console.MarkupLine("[yellow]warning:[/] " + Markup.Escape(warning));
        }

        if (import.Duplicates.Count > 0)
        {
            var crossing = import.Duplicates.Count(d => d.CrossesClasses);
            console.MarkupLine(CultureInfo.InvariantCulture,
                "[yellow]{0} groups of identical files[/] ({1} files stored once{2}):",
                import.Duplicates.Count, import.Duplicates.Sum(d => d.Paths.Count),
                crossing > 0 ? $", {crossing} groups span two classes" : "");
            foreach (var group in import.Duplicates.Take(limit))
            {
                console.MarkupLine("  kept " + Markup.Escape(group.Paths[0]) + ", dropped " + Markup.Escape(string.Join(", ", group.Paths.Skip(1))));
            }

            More(console, import.Duplicates.Count, limit);
        }

        if (import.Skipped.Count > 0)
        {
            console.MarkupLine(CultureInfo.InvariantCulture, "[yellow]{0} files skipped:[/]", import.Skipped.Count);
            foreach (var skipped in import.Skipped.Take(limit))
            {
                console.MarkupLine("  " + Markup.Escape(skipped.Path) + ": " + Markup.Escape(skipped.Reason));
            }

            More(console, import.Skipped.Count, limit);
        }
    }

    private static void More(IAnsiConsole console, int count, int limit)
    {
        if (count > limit)
        {
            console.MarkupLine(CultureInfo.InvariantCulture, "  ... and {0} more (--json lists them all)", count - limit);
        }
    }

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
