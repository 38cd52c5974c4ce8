using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Domain;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Imaging.Thumbnails;
using VisionFactory.Storage.Blobs;

namespace VisionFactory.Server.Datasets;

/// <summary><c>/api/images</c>: the stored files of dataset images and their thumbnails, by sha256.</summary>
public static class ImagesApi
{
    // An image's address is the hash of its bytes, so what a URL returns never changes.
    private const string Immutable = "private, max-age=31536000, immutable";

    public static IEndpointRouteBuilder MapImagesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/images").WithTags("Images");

        api.MapGet("/{sha256}", GetImage)
            .WithName("GetImage")
            .WithSummary("The stored file of an image that belongs to a dataset, with its content type (image/jpeg, image/png, ...).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{sha256}/thumbnail", GetThumbnail)
            .WithName("GetThumbnail")
            .WithSummary($"A JPEG thumbnail of an image (longer side {ThumbnailCache.Side} pixels, aspect ratio kept), made once and cached.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    private static async Task<PhysicalFileHttpResult> GetImage(
        string sha256, HttpContext context, DatasetCatalog catalog, BlobStore blobs, CancellationToken cancellationToken)
    {
        var sha = await CheckAsync(sha256, catalog, cancellationToken).ConfigureAwait(false);
        var path = blobs.PathOf(sha.Value);
        if (!File.Exists(path))
        {
            throw ProblemException.Damaged($"the stored file of image {sha.Value} is missing from the blob store");
        }

        context.Response.Headers.CacheControl = Immutable;

        // The type is the one the server decoded, never the uploader's: browsers must not guess another (e.g. HTML).
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.PhysicalFile(path, ContentTypeOf(sha.Format), entityTag: new EntityTagHeaderValue($"\"{sha.Value}\""));
    }

    private static async Task<PhysicalFileHttpResult> GetThumbnail(
        string sha256, HttpContext context, DatasetCatalog catalog, BlobStore blobs, ThumbnailCache thumbnails, ImageLimits limits,
        CancellationToken cancellationToken)
    {
        var sha = await CheckAsync(sha256, catalog, cancellationToken).ConfigureAwait(false);
        string path;
        try
        {
            path = thumbnails.GetOrCreate(sha.Value, () => blobs.ReadAllBytes(sha.Value), limits);
        }
        catch (BlobNotFoundException e)
        {
            throw ProblemException.Damaged($"the stored file of image {sha.Value} is missing from the blob store", e);
        }
        catch (ImageRejectedException e)
        {
            throw ProblemException.Damaged($"the stored file of image {sha.Value} cannot be decoded: {e.Message}", e);
        }

        context.Response.Headers.CacheControl = Immutable;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.PhysicalFile(path, "image/jpeg", entityTag: new EntityTagHeaderValue($"\"{sha.Value}-t{ThumbnailCache.Side}\""));
    }

    // Only images of some dataset are served: the blob store also holds model weights that are not for every viewer.
    private static async Task<(string Value, string Format)> CheckAsync(string sha256, DatasetCatalog catalog, CancellationToken cancellationToken)
    {
        var sha = sha256.ToLowerInvariant();
        if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower))
        {
            throw ProblemException.Invalid($"'{sha256}' is not an image's sha256 (64 hexadecimal characters)");
        }

        var format = await catalog.FormatOfImageAsync(sha, cancellationToken).ConfigureAwait(false)
            ?? throw ProblemException.NotFound($"no dataset has an image {sha}");
        return (sha, format);
    }

    private static string ContentTypeOf(string format) => format switch
    {
        "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        _ => "application/octet-stream",
    };
}
