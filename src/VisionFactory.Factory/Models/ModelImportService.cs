using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Users;
using VisionFactory.Learning.OnnxImport;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Models;

/// <summary>The registered model and what the import found in its graph.</summary>
/// <param name="Model">The new model.</param>
/// <param name="Graph">The checked graph (its bytes are the model's artifact).</param>
public sealed record ModelImportResult(ModelVersion Model, ImportedOnnxClassifier Graph);

/// <summary>What to import: the file's name, its labels (or none, for a VisionFactory export), a dataset and the input preparation.</summary>
/// <param name="FileName">The .onnx file's or the exported zip's name, for messages and the model's record.</param>
/// <param name="Labels">Class names in output order; null to take them from the file (a VisionFactory export, or labels.json in its zip).</param>
/// <param name="Dataset">A dataset (<c>name</c> or <c>name@version</c>) whose classes the labels cover: the model is then part of its
/// leaderboard and evaluated on its test split at once; null for none.</param>
/// <param name="Preparation">How a foreign graph's input is prepared.</param>
/// <param name="Name">What the model is called where an architecture is shown; by default the file's name.</param>
public sealed record ModelImportRequest(string FileName, IReadOnlyList<string>? Labels, string? Dataset, OnnxInputPreparation Preparation, string? Name = null)
{
    /// <summary>The input preparation from the texts the CLI's options and the API's form fields give (each null when not given).</summary>
    public static OnnxInputPreparation PreparationOf(int? size, string? mean, string? std, bool? bgr, string? fit, int? inputRange)
    {
        if (size is < 8 or > 4096)
            throw ProblemException.Invalid($"--size is the side of the square input in pixels, 8 to 4096, not {size}");
        return new OnnxInputPreparation(
            size,
            Numbers(mean, "--mean"),
            Numbers(std, "--std"),
            bgr,
            fit?.Trim().ToLowerInvariant() switch
            {
                null or "" => null,
                "center-crop" or "crop" => Imaging.Decoding.SquareFit.CenterCrop,
                "stretch" => Imaging.Decoding.SquareFit.Stretch,
                _ => throw ProblemException.Invalid($"unknown fit '{fit}'; use center-crop or stretch"),
            },
            inputRange);
    }

    private static float[]? Numbers(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out values[i]))
                throw ProblemException.Invalid($"{option} takes three comma-separated numbers (R,G,B), e.g. 0.485,0.456,0.406; '{parts[i]}' is not a number");
        }

        return values;
    }
}

/// <summary>
/// Makes an ONNX classifier a model of this platform (<c>vf models import</c>, <c>POST /api/models/imports</c>): the
/// graph is checked against the classifier contract and run once (<see cref="OnnxClassifierImporter"/>), stored in the
/// blob store as the model's artifact, and registered; with a dataset, evaluated on its test split. Nothing is
/// registered when any check fails.
/// </summary>
public sealed class ModelImportService(VisionFactoryDb db, BlobStore blobs, DatasetCatalog catalog, ModelService models, Caller caller)
{
    /// <summary>The largest graph taken (ONNX's protobuf files end at 2 GiB).</summary>
    public const long MaxGraphBytes = 1L << 30;

    /// <summary>Reads labels as a labels file gives them: a JSON array of names, or one name per line.</summary>
    public static List<string> ReadLabels(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim('\uFEFF', ' ', '\r', '\n', '\t');
        if (text.StartsWith('['))
        {
            try
            {
                return JsonSerializer.Deserialize<List<string>>(text) ?? [];
            }
            catch (JsonException e)
            {
                throw ProblemException.Invalid($"'{fileName}' is not a JSON array of class names: {e.Message}");
            }
        }

        return [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];
    }

    /// <summary>Labels as an option gives them: comma-separated names.</summary>
    public static List<string> SplitLabels(string labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return [.. labels.Split(',').Select(l => l.Trim())];
    }

    /// <summary>Imports the .onnx file or exported zip in <paramref name="content"/>; returns the registered model.</summary>
    public async Task<ModelImportResult> ImportAsync(Stream content, ModelImportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(request);
        caller.Require(Role.Editor, "import a model");
        var (graph, graphName, packagedLabels) = await ReadAsync(content, request.FileName, cancellationToken).ConfigureAwait(false);

        // The dataset is checked before the graph runs, so that a wrong name costs nothing.
        Domain.Datasets.DatasetVersion? version = null;
        if (request.Dataset is { Length: > 0 } reference)
        {
            var at = reference.LastIndexOf('@');
            var (name, number) = at > 0 && int.TryParse(reference.AsSpan(at + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                ? (reference[..at], (int?)n)
                : (reference, null);
            version = await catalog.GetVersionAsync(name, number, withItems: false, cancellationToken).ConfigureAwait(false);
        }

        var imported = await Task.Run(
            () => OnnxClassifierImporter.Import(graph, graphName, request.Labels ?? packagedLabels, request.Preparation, cancellationToken),
            cancellationToken).ConfigureAwait(false);
        if (version is not null)
        {
            var unknown = version.Classes.Where(c => !imported.Classes.Contains(c, StringComparer.Ordinal)).ToList();
            if (unknown.Count > 0)
            {
                throw ProblemException.Invalid(
                    $"dataset '{request.Dataset}' has class{(unknown.Count == 1 ? "" : "es")} {string.Join(", ", unknown.Select(u => $"'{u}'"))} " +
                    $"that the labels ({string.Join(", ", imported.Classes)}) do not name; classes are matched by name");
            }
        }

        var sha = blobs.Put(imported.Graph);
        var model = new ModelVersion
        {
            Id = ModelVersion.NewId(),
            DatasetVersionId = version?.Id,
            Spec = new TrainingSpec
            {
                Architecture = request.Name is { Length: > 0 } given ? given.Trim() : Path.GetFileNameWithoutExtension(request.FileName),
                ImageSize = imported.ImageSize,
                Epochs = 0,
            },
            Classes = [.. imported.Classes],
            ArtifactSha256 = sha,
            ImportedFrom = Path.GetFileName(request.FileName),
        };
        if (model.Spec.Architecture.Length is 0 or > 200)
            throw ProblemException.Invalid("--name takes 1 to 200 characters");
        db.Models.Add(model);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);

        if (version is not null)
        {
            await models.EvaluateAsync(model.Id, recompute: true, cancellationToken).ConfigureAwait(false);
        }

        return new ModelImportResult(await models.GetAsync(model.Id, cancellationToken).ConfigureAwait(false), imported);
    }

    // The graph (and, from an exported zip, its labels.json) from the upload.
    private static async Task<(byte[] Graph, string Name, List<string>? Labels)> ReadAsync(Stream content, string fileName, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await CopyLimitedAsync(content, buffer, fileName, cancellationToken).ConfigureAwait(false);
        var bytes = buffer.ToArray();
        if (bytes.Length == 0)
            throw ProblemException.Invalid($"'{fileName}' is empty");
        if (bytes is not [(byte)'P', (byte)'K', 3, 4, ..])
            return (bytes, fileName, null);

        ZipArchive zip;
        try
        {
            zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw ProblemException.Invalid($"'{fileName}' is not a readable zip: {e.Message}");
        }

        using (zip)
        {
            var graphs = zip.Entries.Where(e => e.FullName.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)).ToList();
            var entry = graphs.FirstOrDefault(e => e.FullName == "model.onnx") ?? (graphs.Count == 1 ? graphs[0] : null)
                ?? throw ProblemException.Invalid(graphs.Count == 0
                    ? $"'{fileName}' holds no .onnx file; give the model.onnx of an export, or the zip 'vf models export' wrote"
                    : $"'{fileName}' holds {graphs.Count} .onnx files and none is model.onnx; give the one to import");
            using var graph = new MemoryStream();
            await using (var stream = entry.Open())
                await CopyLimitedAsync(stream, graph, fileName + "!" + entry.FullName, cancellationToken).ConfigureAwait(false);
            List<string>? labels = null;
            if (zip.GetEntry("labels.json") is { Length: < 1 << 20 } labelsEntry)
            {
                using var reader = new StreamReader(labelsEntry.Open(), Encoding.UTF8);
                labels = ReadLabels(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false), fileName + "!labels.json");
            }

            return (graph.ToArray(), fileName + "!" + entry.FullName, labels);
        }
    }

    private static async Task CopyLimitedAsync(Stream from, Stream to, string name, CancellationToken cancellationToken)
    {
        var chunk = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await from.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > MaxGraphBytes)
                throw ProblemException.Invalid($"'{name}' is larger than {MaxGraphBytes >> 20} MiB, the largest model taken");
            await to.WriteAsync(chunk.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
    }
}
