using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace VisionFactory.Server.Hosting;

/// <summary>
/// The most bytes a route's uploads may hold, the setting that bounds them (null when the limit is fixed), and the room
/// left beside them for the multipart framing. As <see cref="IRequestSizeLimitMetadata"/> it is the server's body
/// limit for the route too.
/// </summary>
internal sealed record UploadLimit(long Uploads, string? Setting, long Framing) : IRequestSizeLimitMetadata
{
    /// <summary>Room for the multipart framing (boundaries, part headers, form fields) beside the files themselves.</summary>
    public const long MultipartFraming = 1L << 20;

    /// <summary>The request body's limit: the uploads and their framing.</summary>
    public long Bytes => Uploads + Framing;

    public long? MaxRequestBodySize => Bytes;

    public string Describe(long? sent) =>
        (sent is { } length ? $"the request body is {Size(length)}, " : "the request body is ") +
        $"larger than the {Size(Uploads)} limit" +
        (Framing > 0 ? $" (and {Size(Framing)} for the multipart framing)" : "") +
        (Setting is null ? " of this route" : $" (setting {Setting} bounds an upload)");

    private static string Size(long bytes) => bytes >= 1 << 20
        ? (bytes / (1024.0 * 1024.0)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB"
        : (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KiB";
}

/// <summary>
/// Every upload route answers 413 past its limit, whichever way the body is read (form binding, a multipart reader, the
/// raw body): a declared Content-Length past the limit is refused before the route runs, and a body sent in chunks
/// meets the server's limit for the route as it is read.
/// </summary>
internal static class UploadLimitMiddleware
{
    /// <summary>
    /// Bounds the route's uploads at <paramref name="bytes"/>, bound by <paramref name="setting"/> (or fixed), with
    /// room for the framing when the uploads come as <paramref name="multipart"/> files.
    /// </summary>
    public static RouteHandlerBuilder WithUploadLimit(this RouteHandlerBuilder builder, long bytes, string? setting, bool multipart) =>
        builder.WithMetadata(new UploadLimit(bytes, setting, multipart ? UploadLimit.MultipartFraming : 0))
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);

    public static WebApplication UseUploadLimits(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<UploadLimit>() is { } limit)
            {
                if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
                {
                    feature.MaxRequestBodySize = limit.Bytes;
                }

                if (context.Request.ContentLength > limit.Bytes)
                {
                    throw new BadHttpRequestException(limit.Describe(context.Request.ContentLength), StatusCodes.Status413PayloadTooLarge);
                }
            }

            await next(context).ConfigureAwait(false);
        });
        return app;
    }
}
