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
        dataset.Add(Import(globals, interactive));
        dataset.Add(Show(globals, interactive));
        dataset.Add(List(globals, interactive));
        dataset.Add(ReviewCommands.CreateReview(globals, interactive));
        dataset.Add(ReviewCommands.CreateFix(globals, interactive));
        dataset.Add(DatasetExportCommand.Create(globals, interactive));
        return dataset;
    }

    private static Command Import(GlobalOptions globals, bool interactive)
    {
        var name = new Argument<string>("name") { Description = "Dataset name (created if new; a new version otherwise)" };
        var source = new Argument<string>("source") { Description = "A folder with one sub-folder per class, a .zip / .tar / .tar.gz of it, a CSV manifest, a COCO JSON, CIFAR-10 batches, MNIST idx files, a GeoTIFF scene or a STAC API address" };
        var seed = new Option<int>("--seed") { Description = "Seed of the train / validation / test split", DefaultValueFactory = _ => SplitPlan.Default.Seed };
        var format = new Option<string>("--format") { Description = "auto (default), imagefolder, csv, cifar10, mnist, coco, urls (image addresses) or pages (web pages)", DefaultValueFactory = _ => "auto" };
        var className = new Option<string?>("--class") { Description = "With --format urls|pages: the class of addresses listed without one; geo: the class of every chip when there are no --geo-labels" };
        var allowRange = new Option<string[]>("--allow-range") { Description = "With --format urls|pages: an internal address range (CIDR) that may be fetched", AllowMultipleArgumentsPerToken = false };
        var command = new Command("import", "Import images (ImageFolder layout, a standard dataset format, web addresses, or GeoTIFF scenes cut into chips) as a new dataset version")
        {
            name, source, seed, format, className, allowRange,
        };
        var geo = new CliGeoImport();
        geo.AddTo(command);
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var importer = scope.ServiceProvider.GetRequiredService<DatasetImporter>();
            var options = ImportOptions.Default with
            {
                Split = SplitPlan.Default with { Seed = parse.GetValue(seed) },
                Format = Datasets.Import.Formats.ImportFormats.Parse(parse.GetValue(format)),
            };
            var datasetName = parse.GetValue(name)!;
            var sourcePath = parse.GetValue(source)!;
            using var web = Datasets.Collect.Web.WebImport.IsWeb(options.Format)
                ? await CliWebImport.OpenAsync(sourcePath, options.Format, parse.GetValue(className), parse.GetValue(allowRange) ?? [], ct).ConfigureAwait(false)
                : null;
            using var geoSource = geo.Requested(parse, sourcePath, options.Format)
                ? await geo.OpenAsync(parse, sourcePath, parse.GetValue(className), parse.GetValue(allowRange) ?? [], cli.Data.TempPath, ct).ConfigureAwait(false)
                : null;
            Task<DatasetVersion> Run(IProgress<ImportProgress>? progress) => geoSource is null
                ? CliWebImport.ImportAsync(importer, datasetName, sourcePath, web, options, progress, ct)
                : importer.ImportFromAsync(datasetName, geoSource, null, options, progress, ct);

            DatasetVersion version;
            if (cli.Interactive)
            {
                version = await cli.Console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask("importing", maxValue: 1);
                        return await Run(new ImmediateProgress<ImportProgress>(p =>
                        {
                            task.MaxValue = Math.Max(1, p.Total);
                            task.Value = p.Done;
                            task.Description = string.Create(CultureInfo.InvariantCulture, $"importing {p.Done}/{p.Total} files, {p.Skipped} skipped");
                        })).ConfigureAwait(false);
                    }).ConfigureAwait(false);
            }
            else
            {
                version = await Run(null).ConfigureAwait(false);
            }

            var summary = await scope.ServiceProvider.GetRequiredService<DatasetCatalog>()
                .SummarizeAsync(datasetName, version.Number, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(summary);
                return 0;
            }

            var import = summary.Import;
            cli.Console.MarkupLine(CultureInfo.InvariantCulture,
                "Imported [bold]{0}[/] version {1}: {2} images in {3} classes ({4} files seen, {5} skipped, {6} identical files stored once)",
                Markup.Escape(datasetName), summary.Version, summary.Images, summary.Classes.Count, import.FilesSeen,
                import.Skipped.Count, import.Duplicates.Sum(d => d.Paths.Count - 1));
            if (geoSource is not null)
            {
                cli.Console.MarkupLine(Markup.Escape(CliGeoImport.Describe(geoSource)));
            }

            WriteClasses(cli.Console, summary);
            WriteFindings(cli.Console, summary.Import, limit: 10);
            return 0;
        }));
        return command;
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
            WriteClasses(cli.Console, summary);
            var s = summary.Sizes;
            cli.Console.MarkupLine(CultureInfo.InvariantCulture,
                "image width {0}..{1} px (median {2}, mean {3:0}), height {4}..{5} px (median {6}, mean {7:0}); formats: {8}",
                s.MinWidth, s.MaxWidth, s.MedianWidth, s.MeanWidth, s.MinHeight, s.MaxHeight, s.MedianHeight, s.MeanHeight,
                string.Join(", ", summary.Formats.Select(f => $"{f.Key} {f.Value}")));
            cli.Console.MarkupLine(CultureInfo.InvariantCulture,
                "split: {0:0}% train / {1:0}% validation / {2:0}% test, stratified by class, seed {3}",
                summary.Split.Train * 100, summary.Split.Validation * 100, summary.Split.Test * 100, summary.Split.Seed);
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
                .AddColumn(new TableColumn("images").RightAligned()).AddColumn("created");
            foreach (var d in list)
            {
                table.AddRow(Markup.Escape(d.Name), d.LatestVersion.ToString(CultureInfo.InvariantCulture),
                    d.Images.ToString(CultureInfo.InvariantCulture), d.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
            }

            cli.Console.Write(table);
            return 0;
        }));
        return command;
    }

    private static void WriteClasses(IAnsiConsole console, DatasetSummary summary)
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

    private static void WriteFindings(IAnsiConsole console, ImportReport import, int limit)
    {
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
