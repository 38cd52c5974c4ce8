using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Server.Hosting;
using VisionFactory.Storage.Space;

namespace VisionFactory.Server.Datasets;

/// <summary>
/// Reads a multipart/form-data request section by section, so that uploaded files go to disk as they arrive and never
/// through the framework's buffered form cache. The uploads' one reader: a missing boundary, a malformed body, a body
/// that ends inside a part and an upload past the limit each become a problem the sender can act on.
/// </summary>
internal static class MultipartSections
{
    /// <summary>
    /// Hands each file section (its sent name and body) to <paramref name="file"/> and each form field (its name and
    /// body) to <paramref name="field"/>, in the order they arrive. <paramref name="what"/> names what the sender
    /// should send, for the messages (e.g. "the images and .zip archives"); <paramref name="tooLargeHint"/>, if given,
    /// is said after the upload limit when an upload is too large.
    /// </summary>
    public static async Task ReadAsync(
        HttpRequest request, string what, string? tooLargeHint,
        Func<string, Stream, Task> file, Func<string, Stream, Task> field, CancellationToken cancellationToken)
    {
        var boundary = MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            ? HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value
            : null;
        if (string.IsNullOrEmpty(boundary))
        {
            throw ProblemException.Invalid($"the upload is not multipart/form-data with a boundary; send {what} as multipart files");
        }

        var reader = new MultipartReader(boundary, request.Body);
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
                    var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    await file(name ?? "", section.Body).ConfigureAwait(false);
                }
                else if (disposition.IsFormDisposition())
                {
                    await field(HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "", section.Body).ConfigureAwait(false);
                }
            }
        }
        catch (FileTooLargeException e)
        {
            throw new BadHttpRequestException(
                $"{e.Message} (setting {ServerOptions.Section}:{nameof(ServerOptions.MaxImportUploadBytes)} bounds an upload{tooLargeHint})",
                StatusCodes.Status413PayloadTooLarge);
        }
        catch (InvalidDataException e)
        {
            throw ProblemException.Invalid("the multipart body is malformed: " + e.Message);
        }
        catch (BadHttpRequestException)
        {
            // The server's own verdict on the body, e.g. 413 past the request size limit (it is an IOException too).
            throw;
        }
        catch (IOException e) when (!request.HttpContext.RequestAborted.IsCancellationRequested && !DiskSpace.IsDiskFull(e))
        {
            // The body ended inside a part (or held no part at all): a form the sender did not finish.
            throw ProblemException.Invalid($"the multipart body ended early; send {what} as complete multipart files: " + e.Message);
        }
    }

    /// <summary>The text of the form field <paramref name="name"/>, at most <paramref name="maxLength"/> characters.</summary>
    public static async Task<string> ReadFieldAsync(Stream body, string name, int maxLength, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        var buffer = new char[maxLength + 1];
        var read = await reader.ReadBlockAsync(buffer, cancellationToken).ConfigureAwait(false);
        return read > maxLength
            ? throw ProblemException.Invalid($"the '{name}' field is longer than {maxLength} characters")
            : new string(buffer, 0, read);
    }
}
