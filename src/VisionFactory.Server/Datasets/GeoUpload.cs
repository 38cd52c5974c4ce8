using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using VisionFactory.Datasets.Collect.Geo;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Server.Hosting;

namespace VisionFactory.Server.Datasets;

/// <summary>
/// Reads a multipart geo upload section by section: its files (one GeoTIFF scene and the labels) go to a
/// <see cref="GeoUploadStaging"/> as they arrive, and its one <c>options</c> field is read as the same JSON as the
/// geo import's JSON body, without the server paths.
/// </summary>
internal static partial class GeoUpload
{
    private const string Known =
        "label_property, labels_crs, min_overlap, unlabelled (skip|keep), class, chip, stride, keep_partial, bands, stretch, nodata and max_nodata";

    /// <summary>The form field holding the options as JSON.</summary>
    public const string OptionsField = "options";

    private const int MaxOptionsLength = 16 * 1024;

    // The host's JSON settings, refusing members the request does not have.
    private static readonly ConditionalWeakTable<JsonSerializerOptions, JsonSerializerOptions> Strict = [];

    /// <summary>Stages every file of the request and returns the options it carries (defaults when none).</summary>
    public static async Task<GeoImportJobRequest> ReadAsync(HttpRequest request, GeoUploadStaging staging, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        var boundary = MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            ? HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value
            : null;
        if (string.IsNullOrEmpty(boundary))
        {
            throw ProblemException.Invalid("the upload is not multipart/form-data with a boundary; send the scene and its labels as multipart files");
        }

        var reader = new MultipartReader(boundary, request.Body);
        string? options = null;
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
                    continue;
                }

                var field = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (!string.Equals(field, OptionsField, StringComparison.Ordinal))
                {
                    throw ProblemException.Invalid(
                        $"the form field '{field}' is not known: send the options as one '{OptionsField}' field holding JSON, e.g. {{\"label_property\": \"landuse\", \"chip\": 256}}");
                }

                if (options is not null)
                {
                    throw ProblemException.Invalid($"the '{OptionsField}' field was sent twice; send it once");
                }

                options = await ReadFieldAsync(section.Body, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (FileTooLargeException e)
        {
            throw new BadHttpRequestException(
                $"{e.Message} (setting {ServerOptions.Section}:{nameof(ServerOptions.MaxImportUploadBytes)} bounds an upload; " +
                "a larger scene can be imported from a path on the server)",
                StatusCodes.Status413PayloadTooLarge);
        }
        catch (InvalidDataException e)
        {
            throw ProblemException.Invalid("the multipart body is malformed: " + e.Message);
        }
        catch (IOException e) when (!request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // The body ended inside a part (or held no part at all): a form the sender did not finish.
            throw ProblemException.Invalid("the multipart body ended early; send the scene and its labels as complete multipart files: " + e.Message);
        }

        return Parse(options, json);
    }

    // Unknown options are refused (a misspelt 'chip' would silently cut 256 px chips); server paths and STAC settings
    // have no meaning for an uploaded scene.
    private static GeoImportJobRequest Parse(string? options, JsonSerializerOptions json)
    {
        if (string.IsNullOrWhiteSpace(options))
        {
            return new GeoImportJobRequest();
        }

        GeoImportJobRequest? body;
        try
        {
            body = JsonSerializer.Deserialize<GeoImportJobRequest>(
                options, Strict.GetValue(json, o => new JsonSerializerOptions(o) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow }));
        }
        catch (JsonException e) when (UnknownMember().Match(e.Message) is { Success: true } unknown)
        {
            throw ProblemException.Invalid(
                $"'{unknown.Groups[1].Value}' is not an option of an uploaded scene's import; the options are {Known}");
        }
        catch (JsonException e)
        {
            throw ProblemException.Invalid($"the '{OptionsField}' field is not valid JSON for a geo import: " + ProblemExceptionHandler.Describe(e));
        }

        body ??= new GeoImportJobRequest();
        var serverOnly = new (string Name, bool Given)[]
        {
            ("path", body.Path is not null), ("labels_path", body.LabelsPath is not null), ("stac", body.Stac is not null),
            ("collections", body.Collections is not null), ("bbox", body.Bbox is not null), ("datetime", body.Datetime is not null),
            ("max_cloud", body.MaxCloud is not null), ("assets", body.Assets is not null), ("scenes", body.Scenes is not null),
        }.Where(o => o.Given).Select(o => $"'{o.Name}'").ToList();
        return serverOnly.Count == 0
            ? body
            : throw ProblemException.Invalid(
                $"{string.Join(", ", serverOnly)} {(serverOnly.Count == 1 ? "has" : "have")} no meaning for an uploaded scene: the scene and its labels come as files; " +
                "send application/json to import a scene on the server or a STAC search");
    }

    [GeneratedRegex("^The JSON property '([^']{1,100})' could not be mapped", RegexOptions.CultureInvariant)]
    private static partial Regex UnknownMember();

    private static async Task<string> ReadFieldAsync(Stream body, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        var buffer = new char[MaxOptionsLength + 1];
        var read = await reader.ReadBlockAsync(buffer, cancellationToken).ConfigureAwait(false);
        return read > MaxOptionsLength
            ? throw ProblemException.Invalid($"the '{OptionsField}' field is longer than {MaxOptionsLength} characters")
            : new string(buffer, 0, read);
    }
}
