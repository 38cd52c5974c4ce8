using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Editing;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Server.Hosting;
using VisionFactory.Storage;

namespace VisionFactory.Server.Datasets;

/// <summary>
/// <c>/api/datasets</c>: list datasets, summarise a version, import a folder or archive, upload images, page through
/// a version's images, relabel and delete images (each change a new version), delete a dataset.
/// </summary>
public static class DatasetsApi
{
    public static IEndpointRouteBuilder MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/datasets").WithTags("Datasets");

        api.MapGet("", ListDatasets)
            .WithName("ListDatasets")
            .WithSummary("Lists every dataset with its newest version.");

        api.MapGet("/{name}", GetDataset)
            .WithName("GetDataset")
            .WithSummary("Summarises a dataset version (the newest unless ?version=N): classes, splits, sizes, import findings.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/{name}/imports", ImportDataset)
            .WithName("ImportDataset")
            .WithSummary("Imports a folder or .zip on the server (JSON {\"path\": ...}) or one uploaded .zip (multipart) as a new version.")
            .WithDescription(
                "The images must be in one sub-folder per class. Unusable files are skipped and listed in the " +
                "summary's import report. A JSON path is read by the server process, so it must be reachable from it.")
            // One Accepts with both types: routing answers 415 for any other, and a second Accepts would replace the first.
            .Accepts<ImportFromPathRequest>("application/json", "multipart/form-data")
            .AddOpenApiOperationTransformer(DescribeArchiveUpload)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithUploadLimit(ImportUploadLimit(app), ImportUploadSetting, multipart: true)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .DisableAntiforgery();

        api.MapDelete("/{name}", DeleteDataset)
            .WithName("DeleteDataset")
            .WithSummary("Deletes a dataset with all its versions; refused (409) while models trained on it exist or runs on it wait or train.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/{name}/versions", ListVersions)
            .WithName("ListDatasetVersions")
            .WithSummary("Lists the versions of a dataset, newest first, with their image counts and where they came from.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{name}/images", ListImages)
            .WithName("ListDatasetImages")
            .WithSummary("One page of a version's images (the newest unless ?version=N), optionally of one class and split, with the total that match.")
            .WithDescription(
                "Query: class (a class name), split (train, validation, test, or unlabelled for the pool), skip (default 0), " +
                $"take (default {ImageQuery.DefaultTake}, at most {ImageQuery.MaxTake}). Images are in class order, then in import order.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{name}/images/{sha256}", GetImage)
            .WithName("GetDatasetImage")
            .WithSummary("One image of a version (the newest unless ?version=N): class, split, size, format and the path it was imported from.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/{name}/images", UploadImages)
            .WithName("UploadDatasetImages")
            .WithSummary("Adds uploaded images (all of the class in the 'class' field) and .zip archives (one folder per class) as a new version; creates the dataset if needed.")
            .WithDescription(
                "multipart/form-data: one or more files (JPEG, PNG, WebP, GIF, BMP images or .zip archives) and a 'class' field, " +
                "required when loose images are sent. Images already in the dataset keep their label and split; new ones are split " +
                "by the dataset's plan. Unusable files inside archives are skipped and reported; a file of another type refuses the upload.")
            .Accepts<UploadImagesForm>("multipart/form-data")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithUploadLimit(ImportUploadLimit(app), ImportUploadSetting, multipart: true)
            .DisableAntiforgery();

        api.MapPost("/{name}/relabel", Relabel)
            .WithName("RelabelDatasetImages")
            .WithSummary("Gives images another class (existing or new) in a new version derived from the newest one; every image keeps its split.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("/{name}/delete-images", DeleteImages)
            .WithName("DeleteDatasetImages")
            .WithSummary("Leaves images out of a new version derived from the newest one; older versions keep them.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapDatasetExport();
        api.MapLabelling();
        app.MapImportJobsApi();
        app.MapGeoImportJobsApi();
        return app;
    }

    private static async Task<NoContent> DeleteDataset(string name, DatasetEditor editor, CancellationToken cancellationToken)
    {
        await editor.DeleteDatasetAsync(name, cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<List<VersionListing>>> ListVersions(string name, DatasetCatalog catalog, CancellationToken cancellationToken) =>
        TypedResults.Ok(await catalog.ListVersionsAsync(name, cancellationToken).ConfigureAwait(false));

    private static async Task<Ok<ImagePage>> ListImages(
        string name,
        int? version,
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "class")] string? className,
        string? split,
        int? skip,
        int? take,
        DatasetCatalog catalog,
        CancellationToken cancellationToken)
    {
        var query = new ImageQuery(
            string.IsNullOrEmpty(className) ? null : className,
            ParseSplit(split),
            skip ?? 0,
            take ?? ImageQuery.DefaultTake);
        return TypedResults.Ok(await catalog.ListImagesAsync(name, version, query, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<Ok<ImageListing>> GetImage(
        string name, string sha256, int? version, DatasetCatalog catalog, CancellationToken cancellationToken) =>
        TypedResults.Ok(await catalog.GetImageAsync(name, version, sha256, cancellationToken).ConfigureAwait(false));

    private static async Task<Created<DatasetSummary>> UploadImages(
        string name,
        HttpRequest request,
        DatasetImporter importer,
        DatasetCatalog catalog,
        DataDirectory data,
        ImageLimits limits,
        IOptions<ServerOptions> options,
        CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            throw ProblemException.Invalid("send multipart/form-data with image files or .zip archives, and a 'class' field for the images");
        }

        if (DatasetName.Validate(name) is { } nameProblem)
        {
            throw ProblemException.Invalid(nameProblem);
        }

        // Multipart framing adds a little to the files themselves.
        SetBodyLimit(request.HttpContext, options.Value.MaxImportUploadBytes + (1 << 20));
        using var staging = new UploadStaging(data.TempPath, UploadLimits.For(options.Value.MaxImportUploadBytes, limits));
        var className = await ImageUpload.ReadAsync(request, staging, cancellationToken).ConfigureAwait(false);
        var sources = staging.Complete(className);
        var version = await importer.ImportAsync(name, sources, staging.Description, ImportOptions.Default with { Limits = limits }, null, cancellationToken)
            .ConfigureAwait(false);
        var summary = await catalog.SummarizeAsync(name, version.Number, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/datasets/{Uri.EscapeDataString(name)}?version={version.Number}", summary);
    }

    private static async Task<Created<DatasetSummary>> Relabel(
        string name, RelabelRequest body, DatasetEditor editor, DatasetCatalog catalog, CancellationToken cancellationToken)
    {
        var version = await editor.RelabelAsync(name, body.Images ?? [], body.Class ?? "", cancellationToken).ConfigureAwait(false);
        var summary = await catalog.SummarizeAsync(name, version.Number, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/datasets/{Uri.EscapeDataString(name)}?version={version.Number}", summary);
    }

    private static async Task<Created<DatasetSummary>> DeleteImages(
        string name, DeleteImagesRequest body, DatasetEditor editor, DatasetCatalog catalog, CancellationToken cancellationToken)
    {
        var version = await editor.DeleteImagesAsync(name, body.Images ?? [], cancellationToken).ConfigureAwait(false);
        var summary = await catalog.SummarizeAsync(name, version.Number, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/datasets/{Uri.EscapeDataString(name)}?version={version.Number}", summary);
    }

    private static Split? ParseSplit(string? split) => split?.ToLowerInvariant() switch
    {
        null or "" => null,
        "train" => Split.Train,
        "validation" or "val" => Split.Validation,
        "test" => Split.Test,
        "pool" or "unlabelled" => Split.Pool,
        _ => throw ProblemException.Invalid($"'{split}' is not a split; use train, validation, test or unlabelled (the pool)"),
    };

    private static async Task<Ok<List<DatasetListing>>> ListDatasets(DatasetCatalog catalog, CancellationToken cancellationToken) =>
        TypedResults.Ok(await catalog.ListAsync(cancellationToken).ConfigureAwait(false));

    private static async Task<Ok<DatasetSummary>> GetDataset(
        string name, int? version, DatasetCatalog catalog, CancellationToken cancellationToken) =>
        TypedResults.Ok(await catalog.SummarizeAsync(name, version, cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Created<DatasetSummary>, ProblemHttpResult>> ImportDataset(
        string name,
        HttpRequest request,
        DatasetImporter importer,
        DatasetCatalog catalog,
        DataDirectory data,
        IOptions<ServerOptions> options,
        IOptions<JsonOptions> json,
        CancellationToken cancellationToken)
    {
        string? upload = null;
        try
        {
            string source;
            var format = ImportFormat.Auto;
            if (request.HasJsonContentType())
            {
                (source, format) = await ReadPathAsync(request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
                source = new ImportRoots(options.Value.ImportRoots).Check(source);
            }
            else if (request.HasFormContentType)
            {
                SetBodyLimit(request.HttpContext, options.Value.MaxImportUploadBytes);
                upload = await ArchiveUpload.SaveAsync(request, data.TempPath, options.Value.MaxImportUploadBytes, cancellationToken)
                    .ConfigureAwait(false);
                source = upload;
            }
            else
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status415UnsupportedMediaType,
                    title: "Unsupported media type",
                    detail: "send application/json with {\"path\": \"<folder or .zip on the server>\"}, or multipart/form-data with one .zip file");
            }

            var version = await importer.ImportAsync(name, source, ImportOptions.Default with { Format = format }, null, cancellationToken).ConfigureAwait(false);
            var summary = await catalog.SummarizeAsync(name, version.Number, cancellationToken).ConfigureAwait(false);
            return TypedResults.Created($"/api/datasets/{Uri.EscapeDataString(name)}?version={version.Number}", summary);
        }
        finally
        {
            if (upload is not null)
            {
                File.Delete(upload);
            }
        }
    }

    private static async Task<(string Path, ImportFormat Format)> ReadPathAsync(HttpRequest request, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        ImportFromPathRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<ImportFromPathRequest>(json, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw ProblemException.Invalid("the request body is not valid JSON for an import: " + ProblemExceptionHandler.Describe(e));
        }

        return string.IsNullOrWhiteSpace(body?.Path)
            ? throw ProblemException.Invalid("'path' is required: the folder or .zip on the server to import, e.g. {\"path\": \"/srv/photos/pets\"}")
            : (body.Path, VisionFactory.Datasets.Import.Formats.ImportFormats.Parse(body.Format));
    }

    // The multipart variant carries a file, not the JSON request's schema.
    private static Task DescribeArchiveUpload(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.RequestBody?.Content?.TryGetValue("multipart/form-data", out var multipart) == true)
        {
            multipart.Schema = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "archive" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["archive"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        Format = "binary",
                        Description = "A .zip of a folder with one sub-folder per class.",
                    },
                },
            };
        }

        return Task.CompletedTask;
    }

    /// <summary>The setting that bounds an import upload.</summary>
    internal const string ImportUploadSetting = $"{ServerOptions.Section}:{nameof(ServerOptions.MaxImportUploadBytes)}";

    /// <summary>The most bytes an import upload may hold.</summary>
    internal static long ImportUploadLimit(IEndpointRouteBuilder app) =>
        app.ServiceProvider.GetRequiredService<IOptions<ServerOptions>>().Value.MaxImportUploadBytes;

    private static void SetBodyLimit(HttpContext context, long bytes)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = bytes;
        }
    }
}

/// <summary>Import a folder or .zip archive that the server can read.</summary>
/// <param name="Path">A folder with one sub-folder per class, or a .zip of such a folder, on the server's disk.</param>
/// <param name="Format">auto (default), imagefolder, csv, cifar10, mnist or coco.</param>
public sealed record ImportFromPathRequest(string? Path, string? Format = null);

/// <summary>Give images another class.</summary>
/// <param name="Images">The sha256 of each image to relabel (at most 10 000).</param>
/// <param name="Class">The class they show: an existing class, or a new one that is added.</param>
public sealed record RelabelRequest(List<string>? Images, string? Class);

/// <summary>Leave images out of the next version.</summary>
/// <param name="Images">The sha256 of each image to delete (at most 10 000).</param>
public sealed record DeleteImagesRequest(List<string>? Images);

/// <summary>The multipart form of an upload (documentation only: the body is streamed, not bound).</summary>
/// <param name="Files">Images (JPEG, PNG, WebP, GIF, BMP) and .zip archives with one folder per class.</param>
/// <param name="Class">The class of the loose images; required when any are sent.</param>
public sealed record UploadImagesForm(IFormFileCollection Files, string? Class);
