using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Models.Metrics;
using VisionFactory.Learning.Native;
using VisionFactory.Factory.Explanations;
using VisionFactory.Factory.Models;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf explain</c> (CAM / Grad-CAM heat maps) and <c>vf compare</c> (models side by side).</summary>
public static class CompareCommands
{
    public static Command CreateExplain(GlobalOptions globals, bool interactive)
    {
        var model = new Argument<string>("model") { Description = "Model id (see 'vf models')" };
        var image = new Argument<string>("image") { Description = "The image file to explain" };
        var method = new Option<string>("--method") { Description = "cam, gradcam or gradcam++ (default gradcam)", DefaultValueFactory = _ => "gradcam" };
        var layer = new Option<string?>("--layer") { Description = "The feature-map layer by module path (default: the last one larger than 1 x 1)" };
        var explained = new Option<string?>("--class") { Description = "The class to show evidence for (default: the predicted one)" };
        var opacity = new Option<double>("--opacity") { Description = "How strongly the heat colours cover the image, 0..1 (default 0.5)", DefaultValueFactory = _ => 0.5 };
        var size = new Option<int>("--size") { Description = "Side of the PNG in pixels (default 224)", DefaultValueFactory = _ => 224 };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the PNG (default: <image>.<method>.png beside it)" };
        var command = new Command("explain", "What the model looked at: the image with a CAM, Grad-CAM or Grad-CAM++ heat map over it, as a PNG")
        {
            model, image, method, layer, explained, opacity, size, output,
        };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var path = parse.GetValue(image)!;
            var chosen = ExplanationMethods.Parse(parse.GetValue(method));
            if (!File.Exists(path))
            {
                throw ProblemException.NotFound($"'{path}' does not exist");
            }

            TorchNativeLibrary.BeginLoadingInBackground();
            var limits = ImageLimits.Default;
            var length = new FileInfo(path).Length;
            if (length > limits.MaxFileBytes)
            {
                throw ProblemException.Invalid($"'{path}' is {length / 1048576.0:0.#} MiB; the limit is {limits.MaxFileBytes / 1048576.0:0.#} MiB");
            }

            var target = parse.GetValue(output) ?? Path.ChangeExtension(path, null) + "." + ExplanationMethods.NameOf(chosen).Replace("+", "pp", StringComparison.Ordinal) + ".png";
            var folder = Path.GetDirectoryName(Path.GetFullPath(target))!;
            if (!Directory.Exists(folder))
            {
                throw ProblemException.NotFound($"the folder of '{target}' does not exist");
            }

            var bytes = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var id = parse.GetValue(model)!;
            var request = new ExplanationRequest(chosen, parse.GetValue(layer), parse.GetValue(explained), parse.GetValue(opacity), parse.GetValue(size));
            var explanation = await scope.ServiceProvider.GetRequiredService<ExplanationService>()
                .ExplainAsync(id, Path.GetFileName(path), bytes, request, ct).ConfigureAwait(false);

            // Written beside the target and renamed, so that a failure never leaves half a PNG.
            var temporary = target + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
            await File.WriteAllBytesAsync(temporary, explanation.Png, ct).ConfigureAwait(false);
            File.Move(temporary, target, overwrite: true);
            if (cli.Json)
            {
                cli.WriteJson(new
                {
                    model = id,
                    image = path,
                    output = target,
                    explanation.Label,
                    explanation.Confidence,
                    explained_class = explanation.ExplainedClass,
                    explanation.Probabilities,
                    explanation.Method,
                    explanation.Layer,
                });
            }
            else
            {
                cli.Console.MarkupLine(CultureInfo.InvariantCulture, "[bold]{0}[/] ({1} sure); {2} heat map of '{3}' at layer {4} written to {5}",
                    Markup.Escape(explanation.Label), Tables.Percent(explanation.Confidence), explanation.Method,
                    Markup.Escape(explanation.ExplainedClass), Markup.Escape(explanation.Layer), Markup.Escape(target));
            }

            return 0;
        }));
        return command;
    }

    public static Command CreateCompare(GlobalOptions globals, bool interactive)
    {
        var ids = new Argument<string[]>("models") { Description = "Two or more model ids", Arity = new ArgumentArity(2, LeaderboardService.MaxCompared) };
        var command = new Command("compare", "Two or more models side by side: every metric, with the best of each marked") { ids };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var comparison = await scope.ServiceProvider.GetRequiredService<LeaderboardService>()
                .CompareAsync(parse.GetValue(ids)!, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(new
                {
                    models = comparison.Models.Select(m => new
                    {
                        model = m.Id,
                        dataset = m.DatasetVersion?.Dataset?.Name,
                        dataset_version = m.DatasetVersion?.Number,
                        architecture = m.Spec.Architecture,
                        mode = m.Spec.Mode,
                        metrics = LeaderboardMetric.All.ToDictionary(x => x.Name, x => x.Of(m), StringComparer.Ordinal),
                        confusion_matrix = m.Evaluation?.ConfusionMatrix,
                        classes = m.Classes,
                    }),
                    best = comparison.Best,
                });
                return 0;
            }

            var table = new Table().AddColumn("metric");
            foreach (var m in comparison.Models)
            {
                table.AddColumn(new TableColumn(Markup.Escape($"{m.Id}\n{m.Spec.Architecture} ({m.Spec.Mode.ToString().ToLowerInvariant()})")).RightAligned());
            }

            foreach (var metric in LeaderboardMetric.All)
            {
                var best = comparison.Best[metric.Name];
                table.AddRow([
                    Markup.Escape(metric.Title + (metric.HigherIsBetter ? " ↑" : " ↓")),
                    .. comparison.Models.Select(m => metric.Of(m) is { } v
                        ? (best.Contains(m.Id) ? $"[bold green]{Format(metric, v)} *[/]" : Format(metric, v))
                        : "-"),
                ]);
            }

            cli.Console.Write(table);
            cli.Console.MarkupLine("[green]*[/] best of the models compared");
            return 0;
        }));
        return command;
    }

    private static string Format(LeaderboardMetric metric, double value) => metric.Name switch
    {
        "accuracy" or "balanced_accuracy" => Tables.Percent(value),
        "latency_ms" or "training_seconds" => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => Tables.Number(value),
    };
}
