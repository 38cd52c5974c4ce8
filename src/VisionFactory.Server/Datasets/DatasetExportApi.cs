using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Export;

namespace VisionFactory.Server.Datasets;

/// <summary><c>GET /api/datasets/{name}/export</c>: a version as a .zip download in ImageFolder or CSV form.</summary>
internal static class DatasetExportApi
{
    public static RouteGroupBuilder MapDatasetExport(this RouteGroupBuilder api)
    {
        api.MapGet("/{name}/export", ExportAsync)
            .WithName("ExportDataset")
            .WithSummary("Downloads a version (the newest unless ?version=N) as a .zip: ?format=imagefolder (one folder per class, default) or csv (images/ and labels.csv).")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<PushStreamHttpResult> ExportAsync(
        string name, int? version, string? format, HttpContext context, DatasetCatalog catalog, DatasetExporter exporter, CancellationToken cancellationToken)
    {
        var chosen = DatasetExporter.ParseFormat(format);
        var found = await catalog.GetVersionAsync(name, version, withItems: true, cancellationToken).ConfigureAwait(false);
        // The zip writer ends each entry on a stream that cannot seek with a small synchronous write (a data descriptor).
        if (context.Features.Get<IHttpBodyControlFeature>() is { } body)
        {
            body.AllowSynchronousIO = true;
        }

        var fileName = $"{name}-v{found.Number}-{chosen.ToString().ToLowerInvariant()}.zip";
        return TypedResults.Stream(
            body => exporter.WriteZipAsync(found, chosen, body, cancellationToken), "application/zip", fileName);
    }
}
