using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Models;
using VisionFactory.Server.Hosting;

namespace VisionFactory.Server.Models;

/// <summary><c>/api/models</c>: trained models, their evaluation on held-out images, and predictions on new images.</summary>
public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var limits = app.ServiceProvider.GetRequiredService<IOptions<ServerOptions>>().Value;
        var api = app.MapGroup("/api/models").WithTags("Models");

        api.MapGet("", ListModels)
            .WithName("ListModels")
            .WithSummary("Lists the trained models, newest first.");

        api.MapGet("/{id}", GetModel)
            .WithName("GetModel")
            .WithSummary("Shows a model: its dataset version, settings, training history and test evaluation.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{id}/evaluation", GetEvaluation)
            .WithName("GetModelEvaluation")
            .WithSummary("The model's full evaluation on its dataset's held-out test split; ?recompute=true evaluates again; " +
                "?dataset=<name>[@version] (with ?split=test|validation|train|all) evaluates it on another dataset version, classes matched by name.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status500InternalServerError);

        api.MapGet("/{id}/export", Export)
            .WithName("ExportModel")
            .WithSummary("The model as a zip that runs without this platform (?format=onnx): model.onnx (ONNX opset 17, raw RGB 0..255 input, " +
                "preprocessing inside the graph, contract in its metadata), labels.json, model-card.md and C# / Python example programs.")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/{id}/predictions", Predict)
            .WithName("PredictWithModel")
            .WithSummary("Classifies the uploaded images (multipart, one or more files); a file that is not an image gets an error.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithUploadLimit(limits.MaxPredictionUploadBytes, $"{ServerOptions.Section}:{nameof(ServerOptions.MaxPredictionUploadBytes)}", multipart: true)
            .WithFormOptions(multipartBodyLengthLimit: limits.MaxPredictionUploadBytes, valueCountLimit: Math.Max(1024, limits.MaxPredictionFiles * 2))
            // Clients are scripts and the CLI with no cookies, so there is no cross-site request to forge.
            .DisableAntiforgery();

        api.MapPost("/imports", Import)
            .WithName("ImportModel")
            .WithSummary("Makes an ONNX classifier a model (editors): multipart with 'file' (a .onnx, or a zip written by the export) and " +
                "'labels' (comma-separated, output order) or a 'labels_file' part (JSON array or one per line); optional 'dataset' (<name>[@version], " +
                "evaluated on its test split), 'size', 'mean', 'std' (R,G,B), 'bgr', 'fit', 'input_range' (1 or 255) for graphs that are not VisionFactory " +
                "exports, and 'name'. The input contract is checked and one inference run before anything is stored.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithUploadLimit(limits.MaxImportUploadBytes, $"{ServerOptions.Section}:{nameof(ServerOptions.MaxImportUploadBytes)}", multipart: true)
            .WithFormOptions(multipartBodyLengthLimit: limits.MaxImportUploadBytes)
            // Clients are scripts and the CLI with no cookies, so there is no cross-site request to forge.
            .DisableAntiforgery();

        return app;
    }

    private static async Task<Created<ImportedModel>> Import(HttpRequest request, ModelImportService imports, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
            throw ProblemException.Invalid("send the model as multipart/form-data: a 'file' part (.onnx or exported zip) and 'labels'");
        var form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        var file = form.Files.GetFile("file")
            ?? throw ProblemException.Invalid("no 'file' part: send the .onnx file, or the zip 'vf models export' wrote, as the form's 'file' part");
        List<string>? labels = null;
        if (Text(form, "labels") is { } inline)
        {
            labels = ModelImportService.SplitLabels(inline);
        }

        if (form.Files.GetFile("labels_file") is { } labelsFile)
        {
            if (labels is not null)
                throw ProblemException.Invalid("give the labels once: 'labels' or 'labels_file'");
            if (labelsFile.Length > 1 << 20)
                throw ProblemException.Invalid("'labels_file' is larger than 1 MiB");
            using var reader = new StreamReader(labelsFile.OpenReadStream());
            labels = ModelImportService.ReadLabels(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false), labelsFile.FileName);
        }

        var preparation = ModelImportRequest.PreparationOf(
            Number(form, "size"), Text(form, "mean"), Text(form, "std"), Flag(form, "bgr"), Text(form, "fit"), Number(form, "input_range"));
        var fileName = Path.GetFileName(string.IsNullOrEmpty(file.FileName) ? "model.onnx" : file.FileName);
        await using var stream = file.OpenReadStream();
        var result = await imports.ImportAsync(stream, new ModelImportRequest(fileName, labels, Text(form, "dataset"), preparation, Text(form, "name")), cancellationToken)
            .ConfigureAwait(false);
        return TypedResults.Created($"/api/models/{result.Model.Id}", ImportedModel.From(result));

        static string? Text(IFormCollection form, string key) => form.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value.ToString() : null;

        static int? Number(IFormCollection form, string key) => Text(form, key) is not { } text
            ? null
            : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                ? n
                : throw ProblemException.Invalid($"'{key}' is a whole number, not '{text}'");

        static bool? Flag(IFormCollection form, string key) => Text(form, key)?.Trim().ToLowerInvariant() switch
        {
            null => null,
            "true" or "1" or "yes" or "on" => true,
            "false" or "0" or "no" or "off" => false,
            var other => throw ProblemException.Invalid($"'{key}' is true or false, not '{other}'"),
        };
    }

    private static async Task<Ok<List<ModelSummary>>> ListModels(ModelService models, CancellationToken cancellationToken)
    {
        var all = await models.ListAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(all.Select(ModelSummary.From).ToList());
    }

    private static async Task<Ok<ModelDetails>> GetModel(string id, ModelService models, CancellationToken cancellationToken) =>
        TypedResults.Ok(ModelDetails.From(await models.GetAsync(id, cancellationToken).ConfigureAwait(false)));

    private static async Task<Ok<EvaluationReport>> GetEvaluation(
        string id, ModelService models, Factory.Evaluation.EvaluationService evaluations, CancellationToken cancellationToken,
        bool recompute = false, string? dataset = null, string? split = null)
    {
        if (dataset is { Length: > 0 } || split is { Length: > 0 })
        {
            var model = await models.GetAsync(id, cancellationToken).ConfigureAwait(false);
            var (name, version) = dataset is { Length: > 0 }
                ? Factory.Evaluation.EvaluationService.ParseDatasetReference(dataset)
                : (model.DatasetVersion?.Dataset?.Name ?? throw ProblemException.NotFound($"the dataset of model {id} no longer exists"), model.DatasetVersion.Number);
            return TypedResults.Ok(await evaluations.EvaluateOnAsync(id, name, version, split, cancellationToken).ConfigureAwait(false));
        }

        return TypedResults.Ok(await models.EvaluateAsync(id, recompute, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<FileStreamHttpResult> Export(
        string id, ModelExportService exports, CancellationToken cancellationToken, string format = ModelExportRequest.Onnx, bool int8 = false, string? external = null)
    {
        var request = new ModelExportRequest(id, format, int8, external).Validated();
        // A package can be hundreds of megabytes (VGG): it goes through a temporary file that vanishes when the response is sent.
        var file = new FileStream(
            Path.Combine(Path.GetTempPath(), $"vf-export-{Guid.NewGuid():N}.zip"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            var result = await exports.ExportAsync(request, file, cancellationToken).ConfigureAwait(false);
            file.Position = 0;
            return TypedResults.File(file, "application/zip", $"{result.Model}.{result.Format}.zip");
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<Ok<PredictionBatch>> Predict(
        string id, IFormFileCollection files, ModelService models, IOptions<ServerOptions> options, CancellationToken cancellationToken)
    {
        var max = options.Value.MaxPredictionFiles;
        if (files.Count == 0)
        {
            throw ProblemException.Invalid("no images were uploaded: send one or more image files as multipart/form-data");
        }

        if (files.Count > max)
        {
            throw ProblemException.Invalid($"{files.Count} files were uploaded; the limit is {max} per request: send them in smaller batches");
        }

        // Known before reading so that a missing model is a 404 without reading the upload.
        await models.GetAsync(id, cancellationToken).ConfigureAwait(false);
        var images = new List<(string Name, byte[] Bytes)>(files.Count);
        foreach (var file in files)
        {
            using var buffer = new MemoryStream((int)Math.Min(file.Length, int.MaxValue));
            await file.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            images.Add((string.IsNullOrEmpty(file.FileName) ? file.Name : file.FileName, buffer.ToArray()));
        }

        var predictions = await models.PredictAsync(id, images, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new PredictionBatch(id, predictions));
    }
}
