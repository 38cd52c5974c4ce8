using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Domain;
using VisionFactory.Factory.Models;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf models</c>, <c>vf evaluate</c> and <c>vf predict</c>.</summary>
public static class ModelCommands
{
    public static Command CreateList(GlobalOptions globals, bool interactive)
    {
        var command = new Command("models", "All trained models, newest first");
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var models = await scope.ServiceProvider.GetRequiredService<ModelService>().ListAsync(ct).ConfigureAwait(false);
            var rows = models.Select(m => new
            {
                model = m.Id,
                dataset = m.DatasetVersion?.Dataset?.Name,
                dataset_version = m.DatasetVersion?.Number,
                architecture = m.Spec.Architecture,
                mode = m.Spec.Mode,
                accuracy = m.Evaluation?.Accuracy,
                macro_f1 = m.Evaluation?.MacroF1,
                training_seconds = m.TrainingSeconds,
                created_at = m.CreatedAt,
            }).ToList();
            if (cli.Json)
            {
                cli.WriteJson(new { models = rows });
                return 0;
            }

            if (rows.Count == 0)
            {
                cli.Console.MarkupLine("No models yet: train one with [bold]vf train <dataset>[/]");
                return 0;
            }

            var table = new Table().AddColumn("model").AddColumn("dataset").AddColumn("architecture").AddColumn("mode")
                .AddColumn(new TableColumn("test accuracy").RightAligned()).AddColumn(new TableColumn("macro F1").RightAligned())
                .AddColumn(new TableColumn("seconds").RightAligned());
            foreach (var r in rows)
            {
                table.AddRow(r.model, Markup.Escape($"{r.dataset} v{r.dataset_version}"), Markup.Escape(r.architecture),
                    r.mode.ToString().ToLowerInvariant(), r.accuracy is { } a ? Tables.Percent(a) : "-",
                    r.macro_f1 is { } f ? Tables.Number(f) : "-", r.training_seconds.ToString("0.0", CultureInfo.InvariantCulture));
            }

            cli.Console.Write(table);
            return 0;
        }));
        return command;
    }

    public static Command CreateEvaluate(GlobalOptions globals, bool interactive)
    {
        var model = new Argument<string>("model") { Description = "Model id (see 'vf models')" };
        var recompute = new Option<bool>("--recompute") { Description = "Evaluate again instead of showing the stored evaluation" };
        var command = new Command("evaluate", "Accuracy, loss, per-class precision / recall / F1, macro F1 and confusion matrix on the held-out test split")
        {
            model, recompute,
        };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var id = parse.GetValue(model)!;
            var report = await scope.ServiceProvider.GetRequiredService<ModelService>()
                .EvaluateAsync(id, parse.GetValue(recompute), ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(new
                {
                    model = id,
                    report.Split,
                    report.Images,
                    report.Accuracy,
                    report.Loss,
                    report.MacroF1,
                    report.PerClass,
                    report.ConfusionMatrix,
                    report.Classes,
                });
                return 0;
            }

            Tables.WriteEvaluation(cli.Console, report);
            return 0;
        }));
        return command;
    }

    public static Command CreatePredict(GlobalOptions globals, bool interactive)
    {
        var model = new Argument<string>("model") { Description = "Model id (see 'vf models')" };
        var paths = new Argument<string[]>("paths") { Description = "Image files or folders (searched recursively)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("predict", "Label and per-class confidence for each image") { model, paths };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var files = Expand(parse.GetValue(paths)!);
            if (files.Count == 0)
            {
                throw ProblemException.Invalid("no files to classify: the folders given are empty");
            }

            // An oversized file is reported in its place and never read into memory.
            var limits = ImageLimits.Default;
            var oversized = files.Where(f => new FileInfo(f).Length > limits.MaxFileBytes).ToHashSet(StringComparer.Ordinal);
            var images = new List<(string Name, byte[] Bytes)>(files.Count);
            foreach (var file in files.Where(f => !oversized.Contains(f)))
            {
                images.Add((file, await File.ReadAllBytesAsync(file, ct).ConfigureAwait(false)));
            }

            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var id = parse.GetValue(model)!;
            var classified = new Queue<Prediction>(
                await scope.ServiceProvider.GetRequiredService<ModelService>().PredictAsync(id, images, ct).ConfigureAwait(false));
            var predictions = files.Select(f => oversized.Contains(f)
                ? new Prediction(f, null, null, null,
                    $"the file is {new FileInfo(f).Length / 1048576.0:0.#} MiB; the limit is {limits.MaxFileBytes / 1048576.0:0.#} MiB")
                : classified.Dequeue()).ToList();
            var failed = predictions.Count(p => p.Error is not null);
            if (cli.Json)
            {
                cli.WriteJson(new { model = id, predictions, failed });
            }
            else
            {
                var table = new Table().AddColumn("file").AddColumn("label").AddColumn(new TableColumn("confidence").RightAligned()).AddColumn("probabilities");
                foreach (var p in predictions)
                {
                    table.AddRow(
                        Markup.Escape(p.File),
                        p.Label is null ? "[red]error[/]" : Markup.Escape(p.Label),
                        p.Confidence is { } c ? Tables.Percent(c) : "-",
                        Markup.Escape(p.Error ?? string.Join("  ", p.Probabilities!.Select(kv => $"{kv.Key} {kv.Value * 100:0.0}%"))));
                }

                cli.Console.Write(table);
                if (failed > 0)
                {
                    cli.Error.WriteLine($"error: {failed} of {predictions.Count} files could not be classified (see the table)");
                }
            }

            return failed > 0 ? 2 : 0;
        }));
        return command;
    }

    private static List<string> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => !Path.GetFileName(f).StartsWith('.'))
                    .Order(StringComparer.Ordinal));
            }
            else
            {
                throw ProblemException.NotFound($"'{path}' does not exist");
            }
        }

        return files;
    }
}
