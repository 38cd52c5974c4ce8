using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using VisionFactory.Datasets.Collect.Geo;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Jobs;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
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
        ImportService imports,
        DataDirectory data,
        IOptions<ServerOptions> server,
        IOptions<JsonOptions> json,
        CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            var uploaded = await StartUploadAsync(name, request, imports, data, server.Value, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
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

        var geo = body ?? throw ProblemException.Invalid("the request body is empty");
        var job = await imports.StartAsync(name, new ImportRequest { Geo = geo }, request.HttpContext.RequestServices.GetRequiredService<Domain.Users.Caller>(), cancellationToken)
            .ConfigureAwait(false);
        return TypedResults.Accepted($"/api/import-jobs/{job.Id}", job);
    }

    private static async Task<ImportJobStatus> StartUploadAsync(
        string name, HttpRequest request, ImportService imports, DataDirectory data, ServerOptions server, JsonSerializerOptions json, CancellationToken cancellationToken)
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
            return imports.StartGeoUpload(name, body, staging, request.HttpContext.RequestServices.GetRequiredService<Domain.Users.Caller>());
        }
        catch
        {
            staging.Dispose();
            throw;
        }
    }
}
