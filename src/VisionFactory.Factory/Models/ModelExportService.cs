using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using Google.Protobuf;
using VisionFactory.Learning.Export;

namespace VisionFactory.Factory.Models;

/// <summary>What to export: the API binds it from the route and query, the CLI builds it from its arguments.</summary>
/// <param name="Model">The model's id.</param>
/// <param name="Format">The file format; only "onnx" for now.</param>
/// <param name="QuantizeInt8">Quantise to INT8, refused when accuracy drops by more than <see cref="Int8Gate.MaxDropPoints"/> points.</param>
/// <param name="External">With <paramref name="QuantizeInt8"/>: a dataset ("name" or "name@version") whose images check INT8 too.</param>
public sealed record ModelExportRequest(string Model, string Format = ModelExportRequest.Onnx, bool QuantizeInt8 = false, string? External = null)
{
    public const string Onnx = "onnx";

    /// <summary>The request checked: a clear error for an unknown format.</summary>
    public ModelExportRequest Validated()
    {
        var format = (Format ?? "").Trim().ToLowerInvariant();
        if (format != Onnx)
            throw ProblemException.Invalid($"unknown export format '{Format}'; the formats are: {Onnx}");
        if (string.IsNullOrWhiteSpace(Model))
            throw ProblemException.Invalid("name the model to export (see 'vf models')");
        if (!QuantizeInt8 && !string.IsNullOrWhiteSpace(External))
            throw ProblemException.Invalid("an external test set checks INT8 quantisation: add --int8 (int8=true), or leave the external set out");
        return this with { Format = format, External = string.IsNullOrWhiteSpace(External) ? null : External.Trim() };
    }
}

/// <summary>What an export wrote.</summary>
/// <param name="Model">The model's id.</param>
/// <param name="Format">The format.</param>
/// <param name="Architecture">The model's architecture.</param>
/// <param name="Opset">The ONNX operator set of <c>model.onnx</c>.</param>
/// <param name="Entries">The files in the package.</param>
/// <param name="Quantization">What INT8 quantisation measured, when it was asked for.</param>
public sealed record ModelExportResult(string Model, string Format, string Architecture, int Opset, IReadOnlyList<string> Entries, Int8Report? Quantization = null);

/// <summary>
/// Exports a stored model as a zip any runtime can use without this platform: <c>model.onnx</c> (preprocessing inside
/// the graph, contract in its metadata), <c>labels.json</c>, <c>model-card.md</c> and two example programs (C# with
/// ONNX Runtime, Python with onnxruntime) that classify an image with the package alone.
/// </summary>
public sealed class ModelExportService(ModelService models, Int8Gate int8Gate)
{
    public const string ModelEntry = "model.onnx";
    public const string LabelsEntry = "labels.json";
    public const string CardEntry = "model-card.md";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes the package of <paramref name="request"/>'s model to <paramref name="destination"/>.</summary>
    public async Task<ModelExportResult> ExportAsync(ModelExportRequest request, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(destination);
        request = request.Validated();
        var model = await models.GetAsync(request.Model, cancellationToken).ConfigureAwait(false);
        var onnx = Path.Combine(Path.GetTempPath(), $"vf-export-{model.Id}-{Guid.NewGuid():N}.onnx");
        try
        {
            var (graph, size, fit) = await Task.Run(
                () =>
                {
                    using var network = models.Load(model);
                    return (OnnxExporter.Export(network, new OnnxExportInfo(model.Classes, model.Id)), network.ImageSize, network.Fit);
                },
                cancellationToken).ConfigureAwait(false);
            Int8Report? int8 = null;
            if (request.QuantizeInt8)
                (graph, int8) = await int8Gate.QuantizeAsync(model, graph, size, fit, request.External, cancellationToken).ConfigureAwait(false);
            await using (var file = File.Create(onnx))
            {
                graph.WriteTo(file);
            }

            var entries = new List<string>();
            using (var zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true))
            {
                await using (var entry = await zip.CreateEntry(ModelEntry, CompressionLevel.Fastest).OpenAsync(cancellationToken).ConfigureAwait(false))
                await using (var file = File.OpenRead(onnx))
                {
                    await file.CopyToAsync(entry, cancellationToken).ConfigureAwait(false);
                }

                entries.Add(ModelEntry);
                var fitName = fit == Imaging.Decoding.SquareFit.CenterCrop ? "center-crop" : "stretch";
                await AddTextAsync(zip, entries, LabelsEntry, JsonSerializer.Serialize(model.Classes, Indented), cancellationToken).ConfigureAwait(false);
                await AddTextAsync(zip, entries, CardEntry, ModelCard.Write(model, size, fitName, int8), cancellationToken).ConfigureAwait(false);
                foreach (var (name, text) in ModelExportExamples.All)
                    await AddTextAsync(zip, entries, name, text, cancellationToken).ConfigureAwait(false);
            }

            return new ModelExportResult(model.Id, request.Format, model.Spec.Architecture, OnnxExporter.Opset, entries, int8);
        }
        finally
        {
            File.Delete(onnx);
        }
    }

    private static async Task AddTextAsync(ZipArchive zip, List<string> entries, string name, string text, CancellationToken cancellationToken)
    {
        await using var entry = await zip.CreateEntry(name, CompressionLevel.Optimal).OpenAsync(cancellationToken).ConfigureAwait(false);
        var bytes = Encoding.UTF8.GetBytes(text);
        await entry.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        entries.Add(name);
    }
}

/// <summary>The model card of an export: what the model is, what it was trained on, and how it did.</summary>
internal static class ModelCard
{
    public static string Write(ModelVersion model, int imageSize, string fit, Int8Report? int8 = null)
    {
        var spec = model.Spec;
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"# Model {model.Id}");
        text.AppendLine();
        text.AppendLine(c, $"- Architecture: {spec.Architecture} ({spec.Mode.ToString().ToLowerInvariant()} training{(spec.Pretrained ? ", from pretrained weights" : ", from scratch")})");
        text.AppendLine(c, $"- Dataset: {model.DatasetVersion?.Dataset?.Name ?? "(deleted)"} version {model.DatasetVersion?.Number.ToString(c) ?? "?"}");
        text.AppendLine(c, $"- Classes ({model.Classes.Count}): {string.Join(", ", model.Classes)}");
        text.AppendLine(c, $"- Trained: {model.CreatedAt:yyyy-MM-dd HH:mm} UTC in {model.TrainingSeconds:0.0} s");
        text.AppendLine();
        text.AppendLine("## Input");
        text.AppendLine();
        text.AppendLine(c, $"`{OnnxExporter.InputName}`: float32 `[N, 3, {imageSize}, {imageSize}]`, RGB, pixel values 0..255 (not normalised: the graph normalises). ");
        text.AppendLine(fit == "center-crop"
            ? string.Create(c, $"Make each picture square by cutting out its largest centred square, then resize that to {imageSize} x {imageSize}.")
            : string.Create(c, $"Resize each picture to {imageSize} x {imageSize} without keeping its proportions (stretch)."));
        text.AppendLine(c, $"Outputs: `{OnnxExporter.LogitsName}` and `{OnnxExporter.ProbabilitiesName}` (softmax), both `[N, {model.Classes.Count}]`, in the order of `labels.json`. ONNX opset {OnnxExporter.Opset}.");
        text.AppendLine();
        if (int8 is not null)
        {
            var q = int8.Quantization;
            text.AppendLine("## INT8");
            text.AppendLine();
            text.AppendLine(c, $"Quantised to INT8 (static, QDQ: int8 weights per output channel, uint8 activations): {q.QuantizedNodes} convolution and fully connected layers in 8 bits ({q.FloatNodes} left in float), ranges calibrated on {q.CalibrationImages} training images. " +
                $"Accepted because no set below loses more than {int8.MaxDropPoints} accuracy points (ONNX Runtime, float graph against INT8 graph):");
            text.AppendLine();
            text.AppendLine("| images | float32 | int8 | change (points) |");
            text.AppendLine("|---|---|---|---|");
            foreach (var set in int8.Sets)
                text.AppendLine(c, $"| {set.Set} ({set.Images}) | {set.Float32Accuracy:P2} | {set.Int8Accuracy:P2} | {-set.DropPoints:+0.00;-0.00;0.00} |");
            text.AppendLine();
        }

        text.AppendLine("## Training settings");
        text.AppendLine();
        text.AppendLine("| setting | value |");
        text.AppendLine("|---|---|");
        foreach (var (name, value) in new (string, object?)[]
        {
            ("image size", spec.ImageSize), ("epochs", spec.ResolvedEpochs), ("batch size", spec.BatchSize),
            ("optimizer", spec.Optimizer), ("learning rate", spec.ResolvedLearningRate), ("schedule", spec.Schedule),
            ("weight decay", spec.WeightDecay), ("label smoothing", spec.LabelSmoothing), ("class weighting", spec.ClassWeighting),
            ("horizontal flip", spec.HorizontalFlip), ("rotation (degrees)", spec.RotationDegrees), ("crop min scale", spec.CropMinScale),
            ("colour jitter", spec.ColorJitter), ("seed", spec.Seed),
        })
        {
            text.AppendLine(c, $"| {name} | {Convert.ToString(value, c)} |");
        }

        text.AppendLine();
        Figures(text, "Own test split", model.Evaluation);
        Figures(text, "External test set", model.ExternalEvaluation);
        if (model.Evaluation?.StressTest is { } stress)
        {
            text.AppendLine("## Stress test (label-preserving changes, own test split)");
            text.AppendLine();
            text.AppendLine("| change | accuracy |");
            text.AppendLine("|---|---|");
            foreach (var change in stress.Changes)
                text.AppendLine(c, $"| {change.Name}: {change.Description} | {change.Accuracy:P1} (unchanged {change.BaselineAccuracy:P1}) |");
            foreach (var warning in stress.Warnings)
                text.AppendLine(c, $"- warning: {warning}");
            text.AppendLine();
        }

        return text.ToString();
    }

    private static void Figures(StringBuilder text, string title, EvaluationReport? report)
    {
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"## {title}");
        text.AppendLine();
        if (report is null)
        {
            text.AppendLine("Not measured.");
            text.AppendLine();
            return;
        }

        text.AppendLine(c, $"{report.Images} images{(report.Dataset is null ? "" : $" of {report.Dataset}{(report.DatasetVersion is { } v ? $" version {v}" : "")}")} ({report.Split}): " +
            $"accuracy {report.Accuracy:P1}, balanced accuracy {(report.BalancedAccuracy is { } b ? b.ToString("P1", c) : "-")}, " +
            $"macro F1 {report.MacroF1:0.000}, loss {report.Loss:0.000}, ECE {(report.Ece is { } e ? e.ToString("0.000", c) : "-")}.");
        text.AppendLine();
        text.AppendLine("| class | precision | recall | F1 | images |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var m in report.PerClass)
            text.AppendLine(c, $"| {m.Class} | {m.Precision:0.000} | {m.Recall:0.000} | {m.F1:0.000} | {m.Support} |");
        text.AppendLine();
    }
}
