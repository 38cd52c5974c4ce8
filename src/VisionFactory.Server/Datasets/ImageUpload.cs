using VisionFactory.Datasets.Import;

namespace VisionFactory.Server.Datasets;

/// <summary>
/// Reads a multipart request of images and .zip archives section by section into an <see cref="UploadStaging"/>,
/// so that the files go to disk as they arrive and never through the framework's buffered form cache.
/// </summary>
internal static class ImageUpload
{
    /// <summary>The form field that names the class of loose images.</summary>
    public const string ClassField = "class";

    private const int MaxFieldLength = 1024;

    /// <summary>The form field that names the format of uploaded dataset files (csv, coco, cifar10, mnist).</summary>
    public const string FormatField = "format";

    /// <summary>Stages every file of the request and returns the value of the <c>class</c> field, if any.</summary>
    public static async Task<string?> ReadAsync(HttpRequest request, UploadStaging staging, CancellationToken cancellationToken) =>
        (await ReadFormAsync(request, staging, cancellationToken).ConfigureAwait(false)).Class;

    /// <summary>Stages every file of the request and returns the <c>class</c> and <c>format</c> fields, if any.</summary>
    public static async Task<(string? Class, string? Format)> ReadFormAsync(HttpRequest request, UploadStaging staging, CancellationToken cancellationToken)
    {
        string? className = null;
        string? format = null;
        await MultipartSections.ReadAsync(
            request,
            "the images and .zip archives",
            tooLargeHint: null,
            (name, body) => staging.AddAsync(name, body, cancellationToken),
            async (name, body) =>
            {
                if (string.Equals(name, ClassField, StringComparison.Ordinal))
                {
                    className = await MultipartSections.ReadFieldAsync(body, name, MaxFieldLength, cancellationToken).ConfigureAwait(false);
                }
                else if (string.Equals(name, FormatField, StringComparison.Ordinal))
                {
                    format = await MultipartSections.ReadFieldAsync(body, name, MaxFieldLength, cancellationToken).ConfigureAwait(false);
                }
            },
            cancellationToken).ConfigureAwait(false);
        return (className, format);
    }
}
