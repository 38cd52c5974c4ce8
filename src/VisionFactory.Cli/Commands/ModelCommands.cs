using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using System.Text.Json;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Models.Metrics;
using VisionFactory.Learning.Native;
using VisionFactory.Factory.Evaluation;
using VisionFactory.Factory.Models;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf models</c>, <c>vf evaluate</c> and <c>vf predict</c>.</summary>
public static class ModelCommands
{
    public static Command CreateList(GlobalOptions globals, bool interactive)
    {
        var dataset = new Option<string?>("--dataset") { Description = "Only the models of this dataset (its leaderboard)" };
        var sort = new Option<string?>("--sort")
        {
            Description = "Rank by a metric, best first: " + string.Join(", ", LeaderboardMetric.All.Select(m => m.Name)) + " (default: newest first)",
        };
        var worst = new Option<bool>("--worst-first") { Description = "With --sort: the worst first" };
        var command = new Command("models", "All trained models, newest first; --dataset and --sort make a leaderboard") { dataset, sort, worst };
        command.Add(CreateExport(globals, interactive));
        command.Add(CreateImport(globals, interactive));
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var chosenSort = parse.GetValue(sort);
            var chosenDataset = parse.GetValue(dataset);
            var models = chosenSort is null && chosenDataset is null
                ? await scope.ServiceProvider.GetRequiredService<ModelService>().ListAsync(ct).ConfigureAwait(false)
                : await scope.ServiceProvider.GetRequiredService<LeaderboardService>()
                    .RankAsync(chosenDataset, chosenSort ?? "accuracy", parse.GetValue(worst), ct).ConfigureAwait(false);
            if (chosenSort is null && chosenDataset is not null)
            {
                models = [.. models.OrderByDescending(m => m.CreatedAt)];
            }

            var rows = models.Select(m => new
            {
                model = m.Id,
                dataset = m.DatasetVersion?.Dataset?.Name,
                dataset_version = m.DatasetVersion?.Number,
                architecture = m.Spec.Architecture,
                mode = m.Spec.Mode,
                imported_from = m.ImportedFrom,
                accuracy = m.Evaluation?.Accuracy,
                external_test_set = m.ExternalEvaluation?.Dataset,
                external_accuracy = m.ExternalEvaluation?.Accuracy,
                test_notice = m.Evaluation is { } own ? TestScoreNotice.For(own, m.ExternalEvaluation)?.Summary : null,
                macro_f1 = m.Evaluation?.MacroF1,
                training_seconds = m.TrainingSeconds,
                created_at = m.CreatedAt,
                metrics = LeaderboardMetric.All.ToDictionary(x => x.Name, x => x.Of(m), StringComparer.Ordinal),
            }).ToList();
            if (cli.Json)
            {
                cli.WriteJson(new { sort = chosenSort is null ? null : LeaderboardMetric.Get(chosenSort).Name, models = rows });
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
            var anyExternal = rows.Any(r => r.external_accuracy is not null);
            if (anyExternal)
            {
                table.AddColumn(new TableColumn("external accuracy").RightAligned());
            }

            var sortedBy = chosenSort is null ? null : LeaderboardMetric.Get(chosenSort);
            if (sortedBy is not null && sortedBy.Name is not ("accuracy" or "external_accuracy" or "macro_f1" or "training_seconds"))
            {
                table.AddColumn(new TableColumn(Markup.Escape(sortedBy.Name)).RightAligned());
            }

            foreach (var r in rows)
            {
                string[] cells =
                [
                    r.model, r.dataset is null ? "-" : Markup.Escape($"{r.dataset} v{r.dataset_version}"), Markup.Escape(r.architecture),
                    r.imported_from is null ? r.mode.ToString().ToLowerInvariant() : "imported (ONNX)", r.accuracy is { } a ? Tables.Percent(a) : "-",
                    r.macro_f1 is { } f ? Tables.Number(f) : "-", r.training_seconds.ToString("0.0", CultureInfo.InvariantCulture),
                    .. anyExternal ? new[] { r.external_accuracy is { } x ? Markup.Escape($"{Tables.Percent(x)} ({r.external_test_set})") : "-" } : [],
                ];
                table.AddRow(table.Columns.Count > cells.Length
                    ? [.. cells, r.metrics[sortedBy!.Name] is { } v ? Tables.Number(v) : "-"]
                    : cells);
            }

            cli.Console.Write(table);
            var flagged = rows.Count(r => r.test_notice is not null);
            if (flagged > 0)
            {
                cli.Console.MarkupLine(CultureInfo.InvariantCulture,
                    "[yellow]notice:[/] {0} model{1} scored near 100% or on a small test split: that figure promises little about other sources ('vf evaluate <model>' says what it can promise; --json: test_notice)",
                    flagged, flagged == 1 ? "" : "s");
            }

            return 0;
        }));
        return command;
    }

    /// <summary><c>vf models export &lt;model&gt; --format onnx -o &lt;file.zip&gt;</c>.</summary>
    public static Command CreateExport(GlobalOptions globals, bool interactive)
    {
        var model = new Argument<string>("model") { Description = "Model id (see 'vf models')" };
        var format = new Option<string>("--format") { Description = "File format: onnx", DefaultValueFactory = _ => ModelExportRequest.Onnx };
        var output = new Option<string>("--output", "-o") { Description = "The zip to write (model.onnx, labels.json, model-card.md, example programs)", Required = true };
        var int8 = new Option<bool>("--int8")
        {
            Description = $"Quantise to INT8 (calibrated on training images); refused when accuracy on the test split (or --external) drops by more than {Int8Gate.MaxDropPoints} points",
        };
        var external = new Option<string?>("--external") { Description = "With --int8: a dataset (name or name@version) whose images check the INT8 model too, classes matched by name" };
        var command = new Command("export", "Writes a model as a package that runs without this platform: ONNX model, labels, model card, C# and Python examples")
        {
            model, format, output, int8, external,
        };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var request = new ModelExportRequest(parse.GetValue(model)!, parse.GetValue(format)!, parse.GetValue(int8), parse.GetValue(external)).Validated();
            var path = Path.GetFullPath(parse.GetValue(output)!);
            if (!Directory.Exists(Path.GetDirectoryName(path)))
            {
                throw ProblemException.NotFound($"the folder of '{parse.GetValue(output)}' does not exist");
            }

            TorchNativeLibrary.BeginLoadingInBackground();
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var exports = scope.ServiceProvider.GetRequiredService<ModelExportService>();
            var temporary = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
            ModelExportResult result;
            try
            {
                await using (var file = File.Create(temporary))
                {
                    result = await exports.ExportAsync(request, file, ct).ConfigureAwait(false);
                }

                File.Move(temporary, path, overwrite: true);
            }
            finally
            {
                File.Delete(temporary);
            }

            if (cli.Json)
            {
                cli.WriteJson(new
                {
                    model = result.Model, format = result.Format, architecture = result.Architecture, opset = result.Opset, file = path, entries = result.Entries,
                    int8 = result.Quantization is { } q
                        ? new
                        {
                            quantized_layers = q.Quantization.QuantizedNodes, float_layers = q.Quantization.FloatNodes, calibration_images = q.Quantization.CalibrationImages,
                            max_drop_points = q.MaxDropPoints,
                            sets = q.Sets.Select(f => new { set = f.Set, images = f.Images, float32_accuracy = f.Float32Accuracy, int8_accuracy = f.Int8Accuracy, drop_points = f.DropPoints }),
                        }
                        : null,
                });
            }
            else
            {
                cli.Console.MarkupLine(CultureInfo.InvariantCulture, "Exported {0} ({1}, ONNX opset {2}{3}) to {4}",
                    Markup.Escape(result.Model), Markup.Escape(result.Architecture), result.Opset, result.Quantization is null ? "" : ", INT8", Markup.Escape(path));
                foreach (var set in result.Quantization?.Sets ?? [])
                {
                    cli.Console.MarkupLine(CultureInfo.InvariantCulture, "  {0} ({1} images): float32 {2:P2}, int8 {3:P2}",
                        Markup.Escape(set.Set), set.Images, set.Float32Accuracy, set.Int8Accuracy);
                }
            }

            return 0;
        }));
        return command;
    }

    /// <summary><c>vf models import &lt;file.onnx or exported zip&gt; --labels a,b,c | --labels-file f [--dataset d] [input preparation] [--name n]</c>.</summary>
    public static Command CreateImport(GlobalOptions globals, bool interactive)
    {
        var file = new Argument<string>("file") { Description = "An ONNX classifier (.onnx), or a zip written by 'vf models export'" };
        var labels = new Option<string?>("--labels") { Description = "The class names in output order, comma-separated (a VisionFactory export carries its own)" };
        var labelsFile = new Option<string?>("--labels-file") { Description = "The class names in output order: a JSON array (labels.json) or one per line (.txt)" };
        var dataset = new Option<string?>("--dataset")
        {
            Description = "A dataset (<name>[@version]) whose classes the labels name: the model joins its leaderboard, evaluated on its test split",
        };
        var size = new Option<int?>("--size") { Description = "Side of the square input in pixels, when the graph's height and width are dynamic" };
        var mean = new Option<string?>("--mean") { Description = "Per-channel mean R,G,B in the units of --input-range, e.g. 0.485,0.456,0.406 (not for VisionFactory exports)" };
        var std = new Option<string?>("--std") { Description = "Per-channel standard deviation R,G,B, e.g. 0.229,0.224,0.225 (not for VisionFactory exports)" };
        var bgr = new Option<bool>("--bgr") { Description = "The network reads its channels in BGR order" };
        var fit = new Option<string?>("--fit") { Description = "How pictures are made square: center-crop (default) or stretch" };
        var range = new Option<int?>("--input-range") { Description = "1: the network reads pixels 0..1 (default); 255: 0..255" };
        var name = new Option<string?>("--name") { Description = "What the model is called in lists (default: the file's name)" };
        var command = new Command(
            "import",
            "Makes an ONNX classifier a model here: its input contract checked, one test inference run; it then predicts, evaluates, " +
            "compares and runs in pipelines on ONNX Runtime (no explanations or further training)")
        {
            file, labels, labelsFile, dataset, size, mean, std, bgr, fit, range, name,
        };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw ProblemException.NotFound($"'{path}' does not exist");
            }

            List<string>? given = null;
            if (parse.GetValue(labels) is { } inline)
            {
                if (parse.GetValue(labelsFile) is not null)
                {
                    throw ProblemException.Invalid("give the labels once: --labels or --labels-file");
                }

                given = ModelImportService.SplitLabels(inline);
            }
            else if (parse.GetValue(labelsFile) is { } labelsPath)
            {
                if (!File.Exists(labelsPath))
                {
                    throw ProblemException.NotFound($"the labels file '{labelsPath}' does not exist");
                }

                given = ModelImportService.ReadLabels(await File.ReadAllTextAsync(labelsPath, ct).ConfigureAwait(false), Path.GetFileName(labelsPath));
            }

            var preparation = ModelImportRequest.PreparationOf(
                parse.GetValue(size), parse.GetValue(mean), parse.GetValue(std), parse.GetValue(bgr) ? true : null, parse.GetValue(fit), parse.GetValue(range));
            var request = new ModelImportRequest(Path.GetFileName(path), given, parse.GetValue(dataset), preparation, parse.GetValue(name));
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            ModelImportResult result;
            await using (var stream = File.OpenRead(path))
            {
                result = await scope.ServiceProvider.GetRequiredService<ModelImportService>().ImportAsync(stream, request, ct).ConfigureAwait(false);
            }

            var m = result.Model;
            if (cli.Json)
            {
                cli.WriteJson(new
                {
                    model = m.Id,
                    imported_from = m.ImportedFrom,
                    name = m.Spec.Architecture,
                    engine = "onnx",
                    classes = m.Classes,
                    image_size = result.Graph.ImageSize,
                    fit = result.Graph.Fit == SquareFit.Stretch ? "stretch" : "center-crop",
                    vision_factory_export = result.Graph.OwnExport,
                    input = result.Graph.InputName,
                    output = result.Graph.OutputName,
                    preprocessing = result.Graph.Preprocessing,
                    dataset = m.DatasetVersion?.Dataset?.Name,
                    dataset_version = m.DatasetVersion?.Number,
                    accuracy = m.Evaluation?.Accuracy,
                });
                return 0;
            }

            cli.Console.MarkupLine(CultureInfo.InvariantCulture, "Imported [bold]{0}[/] as model [bold]{1}[/]: {2} classes ({3}), {4} x {4} px, {5}; runs on ONNX Runtime",
                Markup.Escape(m.ImportedFrom ?? ""), m.Id, m.Classes.Count, Markup.Escape(string.Join(", ", m.Classes)), result.Graph.ImageSize,
                Markup.Escape(result.Graph.OwnExport ? "a VisionFactory export" : "preprocessing " + result.Graph.Preprocessing));
            if (m.Evaluation is { } evaluation)
            {
                cli.Console.MarkupLine(CultureInfo.InvariantCulture, "Test split of {0} v{1}: accuracy {2}",
                    Markup.Escape(m.DatasetVersion?.Dataset?.Name ?? ""), m.DatasetVersion?.Number ?? 0, Tables.Percent(evaluation.Accuracy));
            }

            return 0;
        }));
        return command;
    }

    public static Command CreateEvaluate(GlobalOptions globals, bool interactive)
    {
        var model = new Argument<string>("model") { Description = "Model id (see 'vf models')" };
        var recompute = new Option<bool>("--recompute") { Description = "Evaluate again instead of showing the stored evaluation" };
        var on = new Option<string?>("--dataset", "--on")
        {
            Description = "Evaluate on another dataset version: <dataset>[@version] (classes are matched by name; the global --data names the data directory)",
        };
        var split = new Option<string?>("--split") { Description = "With --dataset: test, validation, train or all (default: test on the model's own dataset, all on another)" };
        var mistakes = new Option<bool>("--mistakes") { Description = "List the held-out images the model got wrong, most confident mistakes first" };
        var limit = new Option<int>("--limit") { Description = "With --mistakes: how many (default 20)", DefaultValueFactory = _ => 20 };
        var external = new Option<bool>("--external")
        {
            Description = "Evaluate on the external test set of the model's dataset ('vf dataset external-test') and store the result with the model",
        };
        var command = new Command(
            "evaluate",
            "Accuracy, balanced accuracy, loss, per-class precision / recall / F1, macro and weighted F1, confusion matrix, ROC AUC, " +
            "average precision, calibration (ECE), top-k and latency on the held-out test split, or on any dataset version")
        {
            model, recompute, on, split, mistakes, limit, external,
        };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            if (parse.GetValue(recompute) || parse.GetValue(on) is not null || parse.GetValue(external))
            {
                TorchNativeLibrary.BeginLoadingInBackground();
            }

            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var id = parse.GetValue(model)!;
            var evaluations = scope.ServiceProvider.GetRequiredService<EvaluationService>();
            if (parse.GetValue(mistakes))
            {
                var wrong = await evaluations.MistakesAsync(id, parse.GetValue(limit), ct).ConfigureAwait(false);
                if (cli.Json)
                {
                    cli.WriteJson(new { model = id, mistakes = wrong });
                }
                else
                {
                    Tables.WriteVerdicts(cli.Console, wrong, $"No mistakes: model {id} classified every held-out image right.");
                }

                return 0;
            }

            EvaluationReport report;
            var ownSplit = false;
            if (parse.GetValue(external))
            {
                if (parse.GetValue(on) is { Length: > 0 } || parse.GetValue(split) is { Length: > 0 })
                {
                    throw ProblemException.Invalid("--external evaluates on the external test set; it does not go with --dataset or --split");
                }

                report = await scope.ServiceProvider.GetRequiredService<ExternalTestSets>().EvaluateAsync(id, ct).ConfigureAwait(false);
            }
            else if (parse.GetValue(on) is { Length: > 0 } reference)
            {
                var (name, version) = EvaluationService.ParseDatasetReference(reference);
                report = await evaluations.EvaluateOnAsync(id, name, version, parse.GetValue(split), ct).ConfigureAwait(false);
            }
            else if (parse.GetValue(split) is { Length: > 0 })
            {
                throw ProblemException.Invalid("--split goes with --dataset <dataset>[@version]");
            }
            else
            {
                report = await scope.ServiceProvider.GetRequiredService<ModelService>()
                    .EvaluateAsync(id, parse.GetValue(recompute), ct).ConfigureAwait(false);
                ownSplit = true;
            }

            // Beside the own test split: the stored external figure and what the own figure can promise.
            var externalReport = ownSplit
                ? (await scope.ServiceProvider.GetRequiredService<ModelService>().GetAsync(id, ct).ConfigureAwait(false)).ExternalEvaluation
                : null;
            if (cli.Json)
            {
                var document = JsonSerializer.SerializeToNode(report, CliJson.Options)!.AsObject();
                document.Insert(0, "model", id);
                if (ownSplit)
                {
                    document["external_evaluation"] = JsonSerializer.SerializeToNode(externalReport, CliJson.Options);
                    document["test_notice"] = JsonSerializer.SerializeToNode(TestScoreNotice.For(report, externalReport), CliJson.Options);
                    document["external_check"] = externalReport is null ? null : JsonSerializer.SerializeToNode(ExternalGapCheck.Assess(report, externalReport), CliJson.Options);
                }

                cli.WriteJson(document);
                return 0;
            }

            Tables.WriteEvaluation(cli.Console, report);
            HeatMapCheckOutput.Write(cli.Console, report.HeatMapCheck);
            if (ownSplit)
            {
                ExternalTestCommands.WriteBeside(cli.Console, report, externalReport);
            }
            else if (parse.GetValue(external)
                && (await scope.ServiceProvider.GetRequiredService<ModelService>().GetAsync(id, ct).ConfigureAwait(false)).Evaluation is { } stored)
            {
                // On the external test set: the own split's figures beside it, with the shortcut warnings.
                ExternalTestCommands.WriteBeside(cli.Console, stored, report);
            }

            return 0;
        }));
        return command;
    }

    public static Command CreatePredict(GlobalOptions globals, bool interactive)
    {
        var model = new Argument<string>("model") { Description = "Model id (see 'vf models')" };
        var paths = new Argument<string[]>("paths") { Description = "Image files, folders (searched recursively) or .zip archives", Arity = ArgumentArity.OneOrMore };
        var csv = new Option<string?>("--csv") { Description = "Also write the results as CSV (file, label, confidence, error, one column per class) to this file" };
        var engine = new Option<string>("--engine")
        {
            Description = "What runs the model: onnx (ONNX Runtime), torch (TorchSharp) or auto, the one measured faster on this machine the first time the model is used here",
            DefaultValueFactory = _ => "auto",
        };
        engine.AcceptOnlyFromAmong([.. EngineChoices.Names]);
        var command = new Command("predict", "Label and per-class confidence for each image of files, folders or .zip archives, with progress") { model, paths, csv, engine };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var csvPath = parse.GetValue(csv);
            if (csvPath is not null && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(csvPath))))
            {
                throw ProblemException.NotFound($"the folder of '{csvPath}' does not exist");
            }

            // The engine starts loading while the services start: with ONNX Runtime (auto's usual choice once a model is
            // deployed here) the graph the last run noted, and the process never needs libtorch.
            var choice = EngineChoices.Parse(parse.GetValue(engine));
            using var prefetch = EnginePrefetch.Start(cli.Data, parse.GetValue(model)!, choice);

            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var classifier = scope.ServiceProvider.GetRequiredService<BatchClassifier>();
            var archives = new List<IDisposable>();
            try
            {
                var inputs = new List<ClassificationInput>();
                foreach (var file in Expand(parse.GetValue(paths)!))
                {
                    if (file.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
                    {
                        archives.Add(classifier.OpenArchive(File.OpenRead(file), int.MaxValue, out var entries));
                        inputs.AddRange(entries.Select(e => e with { Name = file + "!" + e.Name }));
                    }
                    else
                    {
                        inputs.Add(new ClassificationInput(file, new FileInfo(file).Length, () => File.ReadAllBytes(file)));
                    }
                }

                if (inputs.Count == 0)
                {
                    throw ProblemException.Invalid("no files to classify: the folders given are empty");
                }

                var id = parse.GetValue(model)!;
                BatchClassification classification;
                if (cli.Interactive)
                {
                    classification = await cli.Console.Progress()
                        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                        .StartAsync(async progress =>
                        {
                            var task = progress.AddTask("classifying", maxValue: inputs.Count);
                            return await classifier.ClassifyAsync(id, inputs, new ImmediateProgress<ClassificationProgress>(p =>
                            {
                                task.Value = p.Done;
                                task.Description = string.Create(CultureInfo.InvariantCulture, $"classifying {p.Done}/{p.Total} images");
                            }), ct, choice, prefetch).ConfigureAwait(false);
                        }).ConfigureAwait(false);
                }
                else
                {
                    classification = await classifier.ClassifyAsync(id, inputs, null, ct, choice, prefetch).ConfigureAwait(false);
                }

                var predictions = classification.Predictions;

                if (csvPath is not null)
                {
                    var classes = (await scope.ServiceProvider.GetRequiredService<ModelService>().GetAsync(id, ct).ConfigureAwait(false)).Classes;
                    var temporary = csvPath + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
                    await File.WriteAllTextAsync(temporary, PredictionCsv.Write(classes, predictions), ct).ConfigureAwait(false);
                    File.Move(temporary, csvPath, overwrite: true);
                }

                var failed = predictions.Count(p => p.Error is not null);
                if (cli.Json)
                {
                    cli.WriteJson(new { model = id, engine = EngineChoices.Name(classification.Engine), predictions, failed, csv = csvPath });
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
                    if (csvPath is not null)
                    {
                        cli.Console.MarkupLine(CultureInfo.InvariantCulture, "CSV written to {0}", Markup.Escape(csvPath));
                    }

                    if (failed > 0)
                    {
                        cli.Error.WriteLine($"error: {failed} of {predictions.Count} files could not be classified (see the table)");
                    }
                }

                return failed > 0 ? 2 : 0;
            }
            finally
            {
                archives.ForEach(a => a.Dispose());
            }
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
