using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Datasets.Export;
using VisionFactory.Datasets.Import;
using System.CommandLine;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf dataset export &lt;name&gt; &lt;target&gt; [--version N] [--format imagefolder|csv]</c>.</summary>
public static class DatasetExportCommand
{
    public static Command Create(GlobalOptions globals, bool interactive)
    {
        var name = new Argument<string>("name") { Description = "Dataset name" };
        var target = new Argument<string>("target") { Description = "A new folder, or a path ending in .zip" };
        var version = new Option<int?>("--version") { Description = "Version number (default: the newest)" };
        var format = new Option<string>("--format") { Description = "imagefolder (one folder per class, default) or csv (images/ and labels.csv)", DefaultValueFactory = _ => "imagefolder" };
        var command = new Command("export", "Write a dataset version as an ImageFolder tree or a CSV manifest with its images, to a new folder or .zip")
        {
            name, target, version, format,
        };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var chosen = DatasetExporter.ParseFormat(parse.GetValue(format));
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var exporter = scope.ServiceProvider.GetRequiredService<DatasetExporter>();
            var datasetName = parse.GetValue(name)!;
            var targetPath = parse.GetValue(target)!;

            ExportResult result;
            if (cli.Interactive)
            {
                result = await cli.Console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask("exporting", maxValue: 1);
                        return await exporter.ExportAsync(datasetName, parse.GetValue(version), chosen, targetPath, new ImmediateProgress<ImportProgress>(p =>
                        {
                            task.MaxValue = Math.Max(1, p.Total);
                            task.Value = p.Done;
                            task.Description = string.Create(CultureInfo.InvariantCulture, $"exporting {p.Done}/{p.Total} images");
                        }), ct).ConfigureAwait(false);
                    }).ConfigureAwait(false);
            }
            else
            {
                result = await exporter.ExportAsync(datasetName, parse.GetValue(version), chosen, targetPath, null, ct).ConfigureAwait(false);
            }

            if (cli.Json)
            {
                cli.WriteJson(result);
                return 0;
            }

            cli.Console.MarkupLine(CultureInfo.InvariantCulture, "Exported [bold]{0}[/] version {1}: {2} images in {3} classes as {4} to {5}",
                Markup.Escape(datasetName), result.Version, result.Images, result.Classes, result.Format, Markup.Escape(result.Target));
            return 0;
        }));
        return command;
    }
}
