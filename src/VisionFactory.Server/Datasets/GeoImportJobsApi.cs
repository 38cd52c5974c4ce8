using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using VisionFactory.Datasets.Collect.Geo;
using VisionFactory.Datasets.Collect.Geo.Stac;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Server.Hosting;
using VisionFactory.Storage;

namespace VisionFactory.Server.Datasets;

/// <summary>
/// <c>POST /api/datasets/{name}/import-jobs/geo</c>: a GeoTIFF scene on the server, an uploaded one, or the scenes a
/// STAC search finds, cut into chips labelled from polygons, imported as a background job like every other import
/// (progress and summary at <c>/api/import-jobs/{id}</c>).
/// </summary>
internal static class GeoImportJobsApi
{
    public static IEndpointRouteBuilder MapGeoImportJobsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/datasets/{name}/import-jobs/geo", StartAsync)
            .WithTags("Datasets")
            .WithName("StartGeoImportJob")
            .WithSummary("Cuts a GeoTIFF scene (on the server, uploaded, or the scenes a STAC search finds) into labelled chips in the background; answers 202 with the job.")
            .WithDescription(
                "JSON: {\"path\": \"<scene.tif on the server, inside Server:ImportRoots>\"} or {\"stac\": \"https://<STAC API>\", \"collections\": [...], " +
                "\"bbox\": [w,s,e,n], \"datetime\": \"...\", \"max_cloud\": 20, \"assets\": [\"red\",\"green\",\"blue\"], \"scenes\": 1}, with " +
                "\"labels_path\" (GeoJSON or shapefile on the server), \"label_property\", \"min_overlap\", \"unlabelled\": \"skip|keep\", or \"class\" for all chips; " +
                "\"chip\", \"stride\", \"keep_partial\", \"bands\": [4,3,2], \"stretch\": \"2,98|none\", \"nodata\", \"max_nodata\". " +
                "multipart/form-data uploads a scene instead: one .tif/.tiff file (the scene), optional labels as files (one .geojson/.json, or a shapefile's " +
                ".shp, .shx and .dbf, with its .prj for the CRS), and an optional 'options' field holding the same JSON options without the server paths and " +
                "STAC settings, e.g. curl -F scene=@field.tif -F labels=@fields.geojson -F 'options={\"label_property\":\"landuse\",\"chip\":256}'. " +
                "Unknown options are refused; the upload is bounded by Server:MaxImportUploadBytes and its files are deleted when the job ends.")
            .Accepts<GeoImportJobRequest>("application/json", "multipart/form-data")
            .Produces<ImportJobStatus>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithUploadLimit(DatasetsApi.ImportUploadLimit(app), DatasetsApi.ImportUploadSetting, multipart: true)
            .DisableAntiforgery();
        return app;
    }

    private static async Task<Accepted<ImportJobStatus>> StartAsync(
        string name,
        HttpRequest request,
        GeoImportJobStarter starter,
        DataDirectory data,
        IOptions<ServerOptions> server,
        IOptions<JsonOptions> json,
        CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            var uploaded = await StartUploadAsync(name, request, starter, data, server.Value, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
            return TypedResults.Accepted($"/api/import-jobs/{uploaded.Id}", uploaded);
        }

        GeoImportJobRequest? body;
        try
        {
            body = request.HasJsonContentType()
                ? await request.ReadFromJsonAsync<GeoImportJobRequest>(json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false)
                : throw ProblemException.Invalid("send application/json with 'path' (a GeoTIFF on the server) or 'stac' (a STAC API address), or multipart/form-data with the scene as a file");
        }
        catch (JsonException e)
        {
            throw ProblemException.Invalid("the request body is not valid JSON for a geo import: " + ProblemExceptionHandler.Describe(e));
        }

        var job = starter.Start(name, body ?? throw ProblemException.Invalid("the request body is empty"), request.HttpContext.RequestServices.GetRequiredService<Domain.Users.Caller>());
        return TypedResults.Accepted($"/api/import-jobs/{job.Id}", job);
    }

    private static async Task<ImportJobStatus> StartUploadAsync(
        string name, HttpRequest request, GeoImportJobStarter starter, DataDirectory data, ServerOptions server, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        if (DatasetName.Validate(name) is { } nameProblem)
        {
            throw ProblemException.Invalid(nameProblem);
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = server.MaxImportUploadBytes + (1 << 20);
        }

        var staging = new GeoUploadStaging(data.TempPath, server.MaxImportUploadBytes);
        try
        {
            var body = await GeoUpload.ReadAsync(request, staging, json, cancellationToken).ConfigureAwait(false);
            return starter.StartUpload(name, body, staging, request.HttpContext.RequestServices.GetRequiredService<Domain.Users.Caller>());
        }
        catch
        {
            staging.Dispose();
            throw;
        }
    }
}

/// <summary>What a geo import job cuts and how; names follow <c>vf dataset import</c>'s options.</summary>
/// <param name="Path">A GeoTIFF scene on the server (inside Server:ImportRoots).</param>
/// <param name="Stac">A STAC API address (its /search is used), instead of a path.</param>
/// <param name="LabelsPath">A GeoJSON or shapefile of labelled polygons on the server (inside Server:ImportRoots).</param>
/// <param name="LabelProperty">The polygon property naming the class (default 'class').</param>
/// <param name="LabelsCrs">The labels' CRS when the file does not say (e.g. EPSG:32632).</param>
/// <param name="MinOverlap">Least share of a chip a class must cover (default 0.5).</param>
/// <param name="Unlabelled">skip (default) or keep chips no class covers enough.</param>
/// <param name="Class">The class of every chip when there are no labels.</param>
/// <param name="Chip">Chip side in pixels (default 256).</param>
/// <param name="Stride">Step between chips (default: the chip side).</param>
/// <param name="KeepPartial">Keep chips running over the scene's edge.</param>
/// <param name="Bands">Bands shown as red, green, blue, from 1 (e.g. [4,3,2]).</param>
/// <param name="Stretch">Percentiles mapped to 0 and 255 ("2,98", the default) or "none".</param>
/// <param name="Nodata">The no-data value (default: the file's GDAL_NODATA tag).</param>
/// <param name="MaxNodata">Chips with a larger share of no-data pixels are skipped (default 0.5).</param>
/// <param name="Collections">STAC collections to search.</param>
/// <param name="Bbox">STAC: west, south, east, north in degrees.</param>
/// <param name="Datetime">STAC: an instant or interval.</param>
/// <param name="MaxCloud">STAC: most cloud cover in percent.</param>
/// <param name="Assets">STAC: assets by key or band name, in band order (default: visual).</param>
/// <param name="Scenes">STAC: how many scenes to import (default 1).</param>
public sealed record GeoImportJobRequest(
    string? Path = null,
    string? Stac = null,
    string? LabelsPath = null,
    string? LabelProperty = null,
    string? LabelsCrs = null,
    double? MinOverlap = null,
    string? Unlabelled = null,
    string? Class = null,
    int? Chip = null,
    int? Stride = null,
    bool? KeepPartial = null,
    IReadOnlyList<int>? Bands = null,
    string? Stretch = null,
    double? Nodata = null,
    double? MaxNodata = null,
    IReadOnlyList<string>? Collections = null,
    IReadOnlyList<double>? Bbox = null,
    string? Datetime = null,
    double? MaxCloud = null,
    IReadOnlyList<string>? Assets = null,
    int? Scenes = null);

/// <summary>
/// Starts geo import jobs for the API and the UI alike. A scene on the server or an uploaded one is opened (header,
/// labels, stretch) before the job starts, so bad input is refused at once; a STAC search and its downloads run inside
/// the job.
/// </summary>
public sealed class GeoImportJobStarter(ImportJobs jobs, DataDirectory data, ImageLimits limits, IOptions<ServerOptions> server, IOptionsMonitor<WebCollectOptions> webSettings)
{
    public ImportJobStatus Start(string dataset, GeoImportJobRequest body, Domain.Users.Caller caller)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (DatasetName.Validate(dataset) is { } nameProblem)
        {
            throw ProblemException.Invalid(nameProblem);
        }

        var roots = new ImportRoots(server.Value.ImportRoots);
        var options = Options(body, string.IsNullOrWhiteSpace(body.LabelsPath) ? null : roots.Check(body.LabelsPath));
        var importOptions = ImportOptions.Default with { Limits = limits };
        if (!string.IsNullOrWhiteSpace(body.Path))
        {
            var path = roots.Check(body.Path);
            var source = GeoSource.Open([path], options);
            return jobs.Start(dataset, source.Description, (services, progress, ct) =>
                services.GetRequiredService<DatasetImporter>().ImportFromAsync(dataset, source, null, importOptions, progress, ct), source.Dispose, caller);
        }

        if (string.IsNullOrWhiteSpace(body.Stac))
        {
            throw ProblemException.Invalid("give 'path' (a GeoTIFF scene on the server) or 'stac' (a STAC API address)");
        }

        if (!Uri.TryCreate(body.Stac.Trim(), UriKind.Absolute, out var api) || api.Scheme is not ("http" or "https"))
        {
            throw ProblemException.Invalid($"'{body.Stac}' is not an http(s) STAC API address");
        }

        var search = new StacSearch
        {
            Collections = body.Collections ?? [],
            Bbox = body.Bbox,
            Datetime = body.Datetime,
            MaxCloudCover = body.MaxCloud,
            Assets = body.Assets ?? [],
            MaxItems = body.Scenes ?? 1,
        };
        if (search.Validate() is { } searchProblem)
        {
            throw ProblemException.Invalid(searchProblem);
        }

        if (options.LabelsPath is { } labels)
        {
            // Read now, so a labels file without the property is refused before anything is downloaded.
            GeoLabels.Load(labels, options.LabelProperty, options.LabelsCrs is { } crs ? GeoCrs.Parse(crs) : null);
        }

        var web = webSettings.CurrentValue;
        Directory.CreateDirectory(data.TempPath);
        return jobs.Start(dataset, $"STAC: {api}", async (services, progress, ct) =>
        {
            using var source = await GeoImport.OpenAsync([api.ToString()], options, search, web, data.TempPath, ct).ConfigureAwait(false);
            return await services.GetRequiredService<DatasetImporter>().ImportFromAsync(dataset, source, null, importOptions, progress, ct).ConfigureAwait(false);
        }, startedBy: caller);
    }

    /// <summary>
    /// Starts cutting an uploaded scene (taking <paramref name="staging"/> over: its files are deleted when the job
    /// ends, or at once when the scene or the options are refused). The staged files are read without an ImportRoots
    /// check because the server wrote them itself.
    /// </summary>
    public ImportJobStatus StartUpload(string dataset, GeoImportJobRequest body, GeoUploadStaging staging, Domain.Users.Caller caller)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(staging);
        GeoSource? source = null;
        try
        {
            if (DatasetName.Validate(dataset) is { } nameProblem)
            {
                throw ProblemException.Invalid(nameProblem);
            }

            var (_, labels) = staging.Complete();
            var options = Options(body, labels);
            source = staging.Open(options);
            var opened = source;
            var importOptions = ImportOptions.Default with { Limits = limits };
            return jobs.Start(dataset, source.Description, (services, progress, ct) =>
                services.GetRequiredService<DatasetImporter>().ImportFromAsync(dataset, opened, null, importOptions, progress, ct), () =>
                {
                    opened.Dispose();
                    staging.Dispose();
                }, caller);
        }
        catch
        {
            source?.Dispose();
            staging.Dispose();
            throw;
        }
    }

    private static GeoImportOptions Options(GeoImportJobRequest body, string? labelsPath)
    {
        var unlabelled = body.Unlabelled?.Trim().ToLowerInvariant() ?? "skip";
        if (unlabelled is not ("skip" or "keep"))
        {
            throw ProblemException.Invalid($"'unlabelled' is skip or keep, not '{body.Unlabelled}'");
        }

        var options = new GeoImportOptions
        {
            Chips = (GeoChipOptions.Default with
            {
                Size = body.Chip ?? GeoChipOptions.Default.Size,
                Stride = body.Stride,
                KeepPartial = body.KeepPartial ?? false,
                Bands = body.Bands,
                NoData = body.Nodata,
                MaxNoData = body.MaxNodata ?? GeoChipOptions.Default.MaxNoData,
            }).WithStretch(body.Stretch),
            LabelsPath = labelsPath,
            LabelProperty = string.IsNullOrWhiteSpace(body.LabelProperty) ? "class" : body.LabelProperty.Trim(),
            LabelsCrs = body.LabelsCrs,
            MinOverlap = body.MinOverlap ?? 0.5,
            KeepUnlabelled = unlabelled == "keep",
            Class = string.IsNullOrWhiteSpace(body.Class) ? null : body.Class.Trim(),
        };
        options.Check();
        return options;
    }
}
