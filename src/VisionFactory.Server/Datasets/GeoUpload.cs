using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using VisionFactory.Datasets.Collect.Geo;
using VisionFactory.Datasets.Jobs;
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
        string? options = null;
        await MultipartSections.ReadAsync(
            request,
            "the scene and its labels",
            tooLargeHint: "; a larger scene can be imported from a path on the server",
            (name, body) => staging.AddAsync(name, body, cancellationToken),
            async (field, body) =>
            {
                if (!string.Equals(field, OptionsField, StringComparison.Ordinal))
                {
                    throw ProblemException.Invalid(
                        $"the form field '{field}' is not known: send the options as one '{OptionsField}' field holding JSON, e.g. {{\"label_property\": \"landuse\", \"chip\": 256}}");
                }

                if (options is not null)
                {
                    throw ProblemException.Invalid($"the '{OptionsField}' field was sent twice; send it once");
                }

                options = await MultipartSections.ReadFieldAsync(body, OptionsField, MaxOptionsLength, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
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
}
