using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using VisionFactory.Datasets.Collect.PublicData;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Jobs;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Server.Hosting;
using VisionFactory.Storage;

namespace VisionFactory.Server.Datasets;

/// <summary>
/// <c>POST /api/datasets/{name}/import-jobs</c> starts an import in the background (an upload, a server folder or file in
/// any format, image addresses or web pages); <c>GET /api/import-jobs/{id}</c> reads its progress and final summary.
/// </summary>
internal static class ImportJobsApi
{
    public static IEndpointRouteBuilder MapImportJobsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/datasets/{name}/import-jobs", StartAsync)
            .WithTags("Datasets")
            .WithName("StartImportJob")
            .WithSummary("Starts an import in the background and answers 202 with the job; its progress and summary are at /api/import-jobs/{id}.")
            .WithDescription(
                "JSON: {\"path\": \"<folder or file on the server, inside Server:ImportRoots>\", \"format\": \"auto|imagefolder|csv|cifar10|mnist|coco\"}, " +
                "or {\"urls\": [\"https://...\", \"class,https://...\"], \"pages\": [...], \"class\": \"<class of entries without one>\"}, " +
                "or {\"search\": \"<query>\", \"class\": \"<class>\", \"count\": N}, " +
                "or {\"public\": \"cifar10|cifar100|mnist|fashion-mnist|hymenoptera\"} (a public dataset of GET /api/public-datasets, downloaded, verified and imported into a new dataset with its own train / test split; 409 when the dataset exists), " +
                "or {\"remote\": \"sftp://user@host:22/folder | ftp://user@host/folder | ftps://...\", \"password\": \"...\", \"private_key\": \"<OpenSSH key text>\", \"host_key\": \"SHA256:...\", \"accept_any_host_key\": false}. " +
                "Any of them takes \"seed\": N, the seed of the new version's train / validation / test split (default 42). " +
                "multipart/form-data: image files and .zip archives with a 'class' field, as for POST /api/datasets/{name}/images; " +
                "or dataset files with a 'format' field: csv / coco (one .zip holding the manifest and its images), cifar10 (*.bin and batches.meta.txt), mnist (idx files).")
            .Accepts<ImportRequest>("application/json", "multipart/form-data")
            .Produces<ImportJobStatus>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithUploadLimit(DatasetsApi.ImportUploadLimit(app), DatasetsApi.ImportUploadSetting, multipart: true)
            .DisableAntiforgery();

        app.MapGet("/api/public-datasets", (ImportService imports, IOptions<PublicDatasetOptions> settings) =>
                TypedResults.Ok(new PublicDatasetList(imports.PublicCatalog().Datasets, settings.Value.Mirror)))
            .WithTags("Datasets")
            .WithName("ListPublicDatasets")
            .WithSummary("The public datasets this installation imports (id, title, official file addresses, MD5 or SHA-256, sizes, layout), and the administrator's mirror (Collect:Public:Mirror) when one is set.");

        var jobs = app.MapGroup("/api/import-jobs").WithTags("Datasets");
        jobs.MapGet("", async (string? dataset, int? take, ImportJobs all, CancellationToken ct) =>
                TypedResults.Ok(await all.ListAsync(dataset, take ?? 50, ct).ConfigureAwait(false)))
            .WithName("ListImportJobs")
            .WithSummary("Import jobs, newest first (?dataset=name for one dataset's, ?take=N for more than 50); they are kept across restarts.");
        jobs.MapGet("/{id:guid}", async (Guid id, ImportJobs all, CancellationToken ct) => TypedResults.Ok(await all.GetAsync(id, ct).ConfigureAwait(false)))
            .WithName("GetImportJob")
            .WithSummary("One import job: state (queued, running, succeeded, failed, cancelled, interrupted), files done of total, skipped, and when finished the new version with the skipped files and their reasons.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapPost("/{id:guid}/cancel", async (Guid id, Domain.Users.Caller caller, ImportJobs all, CancellationToken ct) =>
                TypedResults.Ok(await all.CancelAsync(id, caller, ct).ConfigureAwait(false)))
            .WithName("CancelImportJob")
            .WithSummary("Cancels a queued or running import job: it stops within a second, keeps nothing it read and makes no version.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .DisableAntiforgery();
        return app;
    }

    private static async Task<Accepted<ImportJobStatus>> StartAsync(
        string name,
        HttpRequest request,
        ImportService imports,
        DataDirectory data,
        ImageLimits limits,
        IOptions<ServerOptions> options,
        IOptions<JsonOptions> json,
        CancellationToken cancellationToken)
    {
        if (DatasetName.Validate(name) is { } nameProblem)
        {
            throw ProblemException.Invalid(nameProblem);
        }

        var user = request.HttpContext.RequestServices.GetRequiredService<Domain.Users.Caller>();
        ImportJobStatus job;
        if (request.HasFormContentType)
        {
            if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = options.Value.MaxImportUploadBytes + (1 << 20);
            }

            var staging = new UploadStaging(data.TempPath, UploadLimits.For(options.Value.MaxImportUploadBytes, limits));
            string? className;
            string? formatName;
            try
            {
                (className, formatName) = await ImageUpload.ReadFormAsync(request, staging, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                staging.Dispose();
                throw;
            }

            job = await imports.StartUploadAsync(name, staging, className, formatName, user, cancellationToken).ConfigureAwait(false);
        }
        else if (request.HasJsonContentType())
        {
            var body = await ReadAsync(request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
            job = await imports.StartAsync(name, body, user, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw ProblemException.Invalid("send application/json with a path or addresses, or multipart/form-data with files");
        }

        return TypedResults.Accepted($"/api/import-jobs/{job.Id}", job);
    }

    private static async Task<ImportRequest> ReadAsync(HttpRequest request, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        try
        {
            return await request.ReadFromJsonAsync<ImportRequest>(json, cancellationToken).ConfigureAwait(false)
                ?? throw ProblemException.Invalid("the request body is empty");
        }
        catch (JsonException e)
        {
            throw ProblemException.Invalid("the request body is not valid JSON for an import job: " + ProblemExceptionHandler.Describe(e));
        }
    }
}

/// <summary>The public dataset catalogue and the mirror its files come from (null: the official addresses).</summary>
internal sealed record PublicDatasetList(IReadOnlyList<PublicDataset> Datasets, string? Mirror);
