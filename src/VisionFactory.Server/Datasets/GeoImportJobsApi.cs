using System.Text.Json;
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
/// <c>POST /api/datasets/{name}/import-jobs/geo</c>: a GeoTIFF scene on the server, or the scenes a STAC search finds,
/// cut into chips labelled from polygons, imported as a background job like every other import (progress and summary
/// at <c>/api/import-jobs/{id}</c>).
/// </summary>
internal static class GeoImportJobsApi
{
    public static IEndpointRouteBuilder MapGeoImportJobsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/datasets/{name}/import-jobs/geo", StartAsync)
            .WithTags("Datasets")
            .WithName("StartGeoImportJob")
            .WithSummary("Cuts a GeoTIFF scene (or the scenes a STAC search finds) into labelled chips in the background; answers 202 with the job.")
            .WithDescription(
                "JSON: {\"path\": \"<scene.tif on the server, inside Server:ImportRoots>\"} or {\"stac\": \"https://<STAC API>\", \"collections\": [...], " +
                "\"bbox\": [w,s,e,n], \"datetime\": \"...\", \"max_cloud\": 20, \"assets\": [\"red\",\"green\",\"blue\"], \"scenes\": 1}, with " +
                "\"labels_path\" (GeoJSON or shapefile on the server), \"label_property\", \"min_overlap\", \"unlabelled\": \"skip|keep\", or \"class\" for all chips; " +
                "\"chip\", \"stride\", \"keep_partial\", \"bands\": [4,3,2], \"stretch\": \"2,98|none\", \"nodata\", \"max_nodata\".")
            .Accepts<GeoImportJobRequest>("application/json")
            .Produces<ImportJobStatus>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Accepted<ImportJobStatus>> StartAsync(
        string name,
        HttpRequest request,
        GeoImportJobStarter starter,
        IOptions<JsonOptions> json,
        CancellationToken cancellationToken)
    {
        GeoImportJobRequest? body;
        try
        {
            body = request.HasJsonContentType()
                ? await request.ReadFromJsonAsync<GeoImportJobRequest>(json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false)
                : throw ProblemException.Invalid("send application/json with 'path' (a GeoTIFF on the server) or 'stac' (a STAC API address)");
        }
        catch (JsonException e)
        {
            throw ProblemException.Invalid("the request body is not valid JSON for a geo import: " + ProblemExceptionHandler.Describe(e));
        }

        var job = starter.Start(name, body ?? throw ProblemException.Invalid("the request body is empty"));
        return TypedResults.Accepted($"/api/import-jobs/{job.Id}", job);
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
/// Starts geo import jobs for the API and the UI alike. A scene on the server is opened (header, labels, stretch) before
/// the job starts, so bad input is refused at once; a STAC search and its downloads run inside the job.
/// </summary>
public sealed class GeoImportJobStarter(ImportJobs jobs, DataDirectory data, ImageLimits limits, IOptions<ServerOptions> server, IConfiguration configuration)
{
    public ImportJobStatus Start(string dataset, GeoImportJobRequest body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (DatasetName.Validate(dataset) is { } nameProblem)
        {
            throw ProblemException.Invalid(nameProblem);
        }

        var roots = new ImportRoots(server.Value.ImportRoots);
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
            LabelsPath = string.IsNullOrWhiteSpace(body.LabelsPath) ? null : roots.Check(body.LabelsPath),
            LabelProperty = string.IsNullOrWhiteSpace(body.LabelProperty) ? "class" : body.LabelProperty.Trim(),
            LabelsCrs = body.LabelsCrs,
            MinOverlap = body.MinOverlap ?? 0.5,
            KeepUnlabelled = unlabelled == "keep",
            Class = string.IsNullOrWhiteSpace(body.Class) ? null : body.Class.Trim(),
        };
        options.Check();
        var importOptions = ImportOptions.Default with { Limits = limits };
        if (!string.IsNullOrWhiteSpace(body.Path))
        {
            var path = roots.Check(body.Path);
            var source = GeoSource.Open([path], options);
            return jobs.Start(dataset, source.Description, (services, progress, ct) =>
                services.GetRequiredService<DatasetImporter>().ImportFromAsync(dataset, source, null, importOptions, progress, ct), source.Dispose);
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

        var web = configuration.GetSection("Collect:Web").Get<WebCollectOptions>() ?? WebCollectOptions.Default;
        Directory.CreateDirectory(data.TempPath);
        return jobs.Start(dataset, $"STAC: {api}", async (services, progress, ct) =>
        {
            using var source = await GeoImport.OpenAsync([api.ToString()], options, search, web, data.TempPath, ct).ConfigureAwait(false);
            return await services.GetRequiredService<DatasetImporter>().ImportFromAsync(dataset, source, null, importOptions, progress, ct).ConfigureAwait(false);
        });
    }
}
