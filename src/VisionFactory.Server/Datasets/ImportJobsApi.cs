using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using VisionFactory.Datasets.Collect.Remote;
using VisionFactory.Datasets.Collect.Search;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Import.Formats;
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
                "or {\"remote\": \"sftp://user@host:22/folder | ftp://user@host/folder | ftps://...\", \"password\": \"...\", \"private_key\": \"<OpenSSH key text>\", \"host_key\": \"SHA256:...\", \"accept_any_host_key\": false}. " +
                "multipart/form-data: image files and .zip archives with a 'class' field, as for POST /api/datasets/{name}/images; " +
                "or dataset files with a 'format' field: csv / coco (one .zip holding the manifest and its images), cifar10 (*.bin and batches.meta.txt), mnist (idx files).")
            .Accepts<ImportJobRequest>("application/json", "multipart/form-data")
            .Produces<ImportJobStatus>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithUploadLimit(DatasetsApi.ImportUploadLimit(app), DatasetsApi.ImportUploadSetting, multipart: true)
            .DisableAntiforgery();

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
        ImportJobs jobs,
        DataDirectory data,
        ImageLimits limits,
        IOptions<ServerOptions> options,
        IOptionsMonitor<WebCollectOptions> web,
        IOptionsMonitor<ImageSearchOptions> search,
        IOptionsMonitor<RemotePullLimits> remote,
        IOptions<JsonOptions> json,
        CancellationToken cancellationToken)
    {
        if (DatasetName.Validate(name) is { } nameProblem)
        {
            throw ProblemException.Invalid(nameProblem);
        }

        var importOptions = ImportOptions.Default with { Limits = limits };
        var user = request.HttpContext.RequestServices.GetRequiredService<Domain.Users.Caller>();
        ImportJobStatus job;
        if (request.HasFormContentType)
        {
            if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = options.Value.MaxImportUploadBytes + (1 << 20);
            }

            var staging = new UploadStaging(data.TempPath, UploadLimits.For(options.Value.MaxImportUploadBytes, limits));
            try
            {
                var (className, formatName) = await ImageUpload.ReadFormAsync(request, staging, cancellationToken).ConfigureAwait(false);
                var format = ImportFormats.Parse(formatName);
                var description = staging.Description;
                if (format is not (ImportFormat.Auto or ImportFormat.ImageFolder) || staging.FormatFiles > 0)
                {
                    // Dataset files (CIFAR-10, MNIST) or a zip of a manifest and its images: imported in their format.
                    var (path, chosen) = await staging.CompleteFormatAsync(format, importOptions.Archive, cancellationToken).ConfigureAwait(false);
                    job = jobs.Start(name, description, (services, progress, ct) =>
                        services.GetRequiredService<DatasetImporter>().ImportAsync(name, [path], description, importOptions with { Format = chosen }, progress, ct),
                        staging.Dispose, user);
                }
                else
                {
                    var sources = staging.Complete(className);
                    job = jobs.Start(name, description, (services, progress, ct) =>
                        services.GetRequiredService<DatasetImporter>().ImportAsync(name, sources, description, importOptions, progress, ct), staging.Dispose, user);
                }
            }
            catch
            {
                staging.Dispose();
                throw;
            }
        }
        else if (request.HasJsonContentType())
        {
            var body = await ReadAsync(request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
            job = !string.IsNullOrWhiteSpace(body.Remote)
                ? await StartRemoteAsync(name, body, jobs, importOptions, data, remote.CurrentValue, user, cancellationToken).ConfigureAwait(false)
                : !string.IsNullOrWhiteSpace(body.Search)
                ? StartSearch(name, body, jobs, importOptions, search.CurrentValue, web.CurrentValue, user)
                : body.Urls is { Count: > 0 } || body.Pages is { Count: > 0 }
                    ? StartWeb(name, body, jobs, importOptions, web.CurrentValue, user)
                    : StartPath(name, body, jobs, importOptions, options.Value, user);
        }
        else
        {
            throw ProblemException.Invalid("send application/json with a path or addresses, or multipart/form-data with files");
        }

        return TypedResults.Accepted($"/api/import-jobs/{job.Id}", job);
    }

    private static ImportJobStatus StartPath(string name, ImportJobRequest body, ImportJobs jobs, ImportOptions importOptions, ServerOptions server, Domain.Users.Caller user)
    {
        if (string.IsNullOrWhiteSpace(body.Path))
        {
            throw ProblemException.Invalid("give 'path' (a folder or file on the server), or 'urls' / 'pages' with web addresses");
        }

        var format = ImportFormats.Parse(body.Format);
        var path = new ImportRoots(server.ImportRoots).Check(body.Path);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw ProblemException.NotFound($"'{body.Path}' does not exist");
        }

        return jobs.Start(name, path, (services, progress, ct) =>
            services.GetRequiredService<DatasetImporter>().ImportAsync(name, path, importOptions with { Format = format }, progress, ct), startedBy: user);
    }

    private static ImportJobStatus StartWeb(string name, ImportJobRequest body, ImportJobs jobs, ImportOptions importOptions, WebCollectOptions web, Domain.Users.Caller user)
    {
        List<WebItem> items =
        [
            .. UrlSource.ParseList(string.Join('\n', body.Urls ?? []), body.Class, pages: false),
            .. UrlSource.ParseList(string.Join('\n', body.Pages ?? []), body.Class, pages: true),
        ];
        var description = $"web: {body.Urls?.Count ?? 0} image addresses, {body.Pages?.Count ?? 0} pages";
        return jobs.Start(name, description, async (services, progress, ct) =>
        {
            using var fetcher = new WebFetcher(web);
            using var source = await UrlSource.OpenAsync(items, fetcher, ct).ConfigureAwait(false);
            return await services.GetRequiredService<DatasetImporter>().ImportFromAsync(name, source, null, importOptions, progress, ct).ConfigureAwait(false);
        }, startedBy: user);
    }

    private static ImportJobStatus StartSearch(
        string name, ImportJobRequest body, ImportJobs jobs, ImportOptions importOptions, ImageSearchOptions search, WebCollectOptions web, Domain.Users.Caller user)
    {
        if (string.IsNullOrWhiteSpace(search.Key))
        {
            throw ProblemException.Invalid("image search is not set up: an administrator sets the key in Collect:Search:Key");
        }

        var request = ImageSearchImport.Create(body.Search, body.Class, body.Count);
        return jobs.Start(name, request.Description, (services, progress, ct) =>
            request.ImportAsync(services.GetRequiredService<DatasetImporter>(), name, search, web, importOptions, progress, ct), startedBy: user);
    }

    // The connection, sign-in, host key and folder are checked before the job starts, so that these errors come back
    // at once as problems rather than as a failed job.
    private static async Task<ImportJobStatus> StartRemoteAsync(
        string name, ImportJobRequest body, ImportJobs jobs, ImportOptions importOptions, DataDirectory data, RemotePullLimits remote, Domain.Users.Caller user,
        CancellationToken cancellationToken)
    {
        if (DatasetName.Validate(name) is { } nameProblem)
        {
            throw ProblemException.Invalid(nameProblem);
        }

        var address = RemoteAddress.Parse(body.Remote!, out var inline);
        var credentials = new RemoteCredentials(
            string.IsNullOrEmpty(body.Password) ? inline : body.Password, body.PrivateKey, body.PrivateKeyPassphrase, body.HostKey, body.AcceptAnyHostKey ?? false);
        var limits = remote with { MaxFileBytes = importOptions.Limits.MaxFileBytes, PublicHostsOnly = true };
        await RemoteImport.CheckAsync(address, credentials, data.TempPath, limits, cancellationToken).ConfigureAwait(false);
        return jobs.Start(name, address.Display, (services, progress, ct) =>
            RemoteImport.ImportAsync(services.GetRequiredService<DatasetImporter>(), name, address, credentials, data.TempPath, limits, importOptions, progress, ct), startedBy: user);
    }

    private static async Task<ImportJobRequest> ReadAsync(HttpRequest request, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        try
        {
            return await request.ReadFromJsonAsync<ImportJobRequest>(json, cancellationToken).ConfigureAwait(false)
                ?? throw ProblemException.Invalid("the request body is empty");
        }
        catch (JsonException e)
        {
            throw ProblemException.Invalid("the request body is not valid JSON for an import job: " + ProblemExceptionHandler.Describe(e));
        }
    }
}

/// <summary>What an import job collects: a server path in a format, or web addresses.</summary>
/// <param name="Path">A folder or file on the server (inside Server:ImportRoots).</param>
/// <param name="Format">auto (default), imagefolder, csv, cifar10, mnist or coco.</param>
/// <param name="Urls">Image addresses, each 'url' or 'class,url'.</param>
/// <param name="Pages">Web page addresses whose images are collected, each 'url' or 'class,url'.</param>
/// <param name="Class">The class of addresses given without one (for a search: the class of its images, by default the query).</param>
/// <param name="Search">An image search query (needs Collect:Search:Key); its results are downloaded like image addresses.</param>
/// <param name="Count">How many search results to collect (default 100).</param>
/// <param name="Remote">A folder on a remote server in the ImageFolder layout: sftp://user@host:port/path, ftp://... or ftps://...</param>
/// <param name="Password">The remote server's password (never stored; the job keeps the address without it).</param>
/// <param name="PrivateKey">For SFTP: an OpenSSH or PEM private key (its text).</param>
/// <param name="PrivateKeyPassphrase">The private key's passphrase.</param>
/// <param name="HostKey">For SFTP: the server's host key fingerprint, SHA256:... as ssh-keygen -lf prints it; unknown keys are refused.</param>
/// <param name="AcceptAnyHostKey">For SFTP: trust any host key (only on a network you trust).</param>
public sealed record ImportJobRequest(
    string? Path,
    string? Format,
    List<string>? Urls,
    List<string>? Pages,
    string? Class,
    string? Search = null,
    int? Count = null,
    string? Remote = null,
    string? Password = null,
    string? PrivateKey = null,
    string? PrivateKeyPassphrase = null,
    string? HostKey = null,
    bool? AcceptAnyHostKey = null);
