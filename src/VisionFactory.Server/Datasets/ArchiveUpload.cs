using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using VisionFactory.Domain;

namespace VisionFactory.Server.Datasets;

/// <summary>
/// Streams the one .zip file of a multipart request to a temporary file, without buffering it in memory or in the
/// framework's form cache: archives may be gigabytes.
/// </summary>
internal static class ArchiveUpload
{
    /// <summary>Saves the archive under <paramref name="folder"/> and returns its path; the caller deletes it.</summary>
    public static async Task<string> SaveAsync(HttpRequest request, string folder, long maxBytes, CancellationToken cancellationToken)
    {
        var boundary = MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            ? HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value
            : null;
        if (string.IsNullOrEmpty(boundary))
        {
            throw ProblemException.Invalid("the upload is not multipart/form-data with a boundary; send the .zip as a multipart file");
        }

        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = maxBytes };
        Directory.CreateDirectory(folder);
        string? saved = null;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ||
                    !disposition.IsFileDisposition())
                {
                    continue;
                }

                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                if (saved is not null)
                {
                    throw ProblemException.Invalid("the upload carries more than one file; send exactly one .zip archive");
                }

                if (fileName is null || !fileName.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
                {
                    throw ProblemException.Invalid($"'{fileName}' is not a .zip archive; upload a .zip of a folder with one sub-folder per class");
                }

                saved = Path.Combine(folder, $"upload-{Guid.NewGuid():N}.zip");
                await CopyBoundedAsync(section.Body, saved, maxBytes, cancellationToken).ConfigureAwait(false);
            }

            return saved ?? throw ProblemException.Invalid("the upload carries no file; send one .zip archive as a multipart file");
        }
        catch
        {
            if (saved is not null)
            {
                File.Delete(saved);
            }

            throw;
        }
    }

    private static async Task CopyBoundedAsync(Stream body, string path, long maxBytes, CancellationToken cancellationToken)
    {
        var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        await using (target.ConfigureAwait(false))
        {
            var buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > maxBytes)
                {
                    throw new BadHttpRequestException(
                        $"the archive is larger than the upload limit of {maxBytes / 1048576.0:0.#} MiB " +
                        $"(setting {Hosting.ServerOptions.Section}:{nameof(Hosting.ServerOptions.MaxImportUploadBytes)}); " +
                        "import it from a path on the server instead",
                        StatusCodes.Status413PayloadTooLarge);
                }

                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
