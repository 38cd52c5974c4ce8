using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;

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
        string? format = null;
        var boundary = MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            ? HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value
            : null;
        if (string.IsNullOrEmpty(boundary))
        {
            throw ProblemException.Invalid("the upload is not multipart/form-data with a boundary; send the images and .zip archives as multipart files");
        }

        var reader = new MultipartReader(boundary, request.Body);
        string? className = null;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    continue;
                }

                if (disposition.IsFileDisposition())
                {
                    var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    await staging.AddAsync(fileName ?? "", section.Body, cancellationToken).ConfigureAwait(false);
                }
                else if (disposition.IsFormDisposition() &&
                         string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, ClassField, StringComparison.Ordinal))
                {
                    className = await ReadFieldAsync(section.Body, cancellationToken).ConfigureAwait(false);
                }
                else if (disposition.IsFormDisposition() &&
                         string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, FormatField, StringComparison.Ordinal))
                {
                    format = await ReadFieldAsync(section.Body, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (FileTooLargeException e)
        {
            throw new BadHttpRequestException(
                $"{e.Message} (setting {Hosting.ServerOptions.Section}:{nameof(Hosting.ServerOptions.MaxImportUploadBytes)} bounds an upload)",
                StatusCodes.Status413PayloadTooLarge);
        }
        catch (InvalidDataException e)
        {
            throw ProblemException.Invalid("the multipart body is malformed: " + e.Message);
        }

        return (className, format);
    }

    private static async Task<string> ReadFieldAsync(Stream body, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: MaxFieldLength, leaveOpen: true);
        var buffer = new char[MaxFieldLength + 1];
        var read = await reader.ReadBlockAsync(buffer, cancellationToken).ConfigureAwait(false);
        return read > MaxFieldLength
            ? throw ProblemException.Invalid($"the '{ClassField}' field is longer than {MaxFieldLength} characters")
            : new string(buffer, 0, read);
    }
}
