using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Server.Hosting;
using VisionFactory.Storage;

namespace VisionFactory.Server.Datasets;

/// <summary><c>/api/datasets</c>: list datasets, summarise a version, import a folder or archive as a new version.</summary>
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
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .DisableAntiforgery();

        return app;
    }

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
            if (request.HasJsonContentType())
            {
                source = await ReadPathAsync(request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
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

            var version = await importer.ImportAsync(name, source, ImportOptions.Default, null, cancellationToken).ConfigureAwait(false);
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

    private static async Task<string> ReadPathAsync(HttpRequest request, JsonSerializerOptions json, CancellationToken cancellationToken)
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
            : body.Path;
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
public sealed record ImportFromPathRequest(string? Path);
