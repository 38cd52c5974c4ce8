using System.Globalization;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>
/// A GeoTIFF scene and its label files uploaded for one geo import, written to a fresh folder under the data
/// directory's temporary path as they arrive. The files are stored under names the server chooses (<c>scene.tif</c>,
/// <c>labels.geojson</c>, <c>labels.shp</c> with its <c>.shx</c> / <c>.dbf</c> / <c>.prj</c> beside it): a sent name is
/// used for its extension only, and, made safe, as the scene's name in chip names and messages. The folder is the
/// server's own, so these files need no Server:ImportRoots entry. Deleted on dispose.
/// </summary>
public sealed class GeoUploadStaging : IDisposable
{
    /// <summary>File name endings accepted as the scene.</summary>
    public static readonly IReadOnlyList<string> SceneExtensions = [".tif", ".tiff"];

    /// <summary>File name endings accepted as labels: GeoJSON, or the parts of a shapefile.</summary>
    public static readonly IReadOnlyList<string> LabelExtensions = [".geojson", ".json", ".shp", ".shx", ".dbf", ".prj", ".cpg"];

    private const string SceneFile = "scene.tif";

    // What a shapefile's polygons cannot be read without: the shapes, their index and their attributes.
    private static readonly string[] ShapefileParts = [".shp", ".shx", ".dbf"];
    private const string LabelsStem = "labels";

    private readonly StagingFolder folder;
    private readonly string root;
    private readonly long maxUploadBytes;
    private readonly Dictionary<string, string> labelParts = new(StringComparer.Ordinal);
    private string? sceneName;

    public GeoUploadStaging(string tempFolder, long maxUploadBytes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tempFolder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxUploadBytes);
        this.maxUploadBytes = maxUploadBytes;
        folder = new StagingFolder(tempFolder, "geo-upload-", maxUploadBytes);
        root = folder.Root;
    }

    /// <summary>The folder holding the staged files.</summary>
    public string Folder => root;

    /// <summary>Whether a scene was received.</summary>
    public bool HasScene => sceneName is not null;

    /// <summary>What the files are, for the job's description, e.g. "upload: field-a.tif, labels.geojson".</summary>
    public string Description =>
        "upload: " + string.Join(", ", new[] { sceneName is null ? null : sceneName + ".tif" }.Concat(labelParts.Values).OfType<string>());

    /// <summary>Returns null when a file of this name can be part of a geo upload, else why not.</summary>
    public static string? Check(string? fileName)
    {
        if (string.IsNullOrWhiteSpace(fileName))
        {
            return "a file without a name was sent; send the scene (.tif) and its labels with their file names";
        }

        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        return SceneExtensions.Contains(extension) || LabelExtensions.Contains(extension)
            ? null
            : $"'{Printable(Path.GetFileName(fileName))}' is neither a GeoTIFF scene (.tif, .tiff) nor a labels file (.geojson, .json, or a shapefile's .shp, .shx, .dbf, .prj); nothing was imported";
    }

    /// <summary>Writes one uploaded file, bounded by the upload limit, without reading it whole into memory.</summary>
    public async Task AddAsync(string fileName, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (Check(fileName) is { } problem)
        {
            throw ProblemException.Invalid(problem);
        }

        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        var shown = Printable(Path.GetFileName(fileName.Replace('\\', '/')));
        string path;
        long maxBytes;
        if (SceneExtensions.Contains(extension))
        {
            if (sceneName is not null)
            {
                throw ProblemException.Invalid($"the upload carries two scenes ('{sceneName}.tif' and '{shown}'); send one GeoTIFF per import");
            }

            sceneName = SafeSceneName(fileName);
            path = Path.Combine(root, SceneFile);
            maxBytes = maxUploadBytes;
        }
        else
        {
            var part = extension == ".json" ? ".geojson" : extension;
            if (labelParts.TryGetValue(part, out var earlier))
            {
                throw ProblemException.Invalid($"the upload carries two {extension} label files ('{earlier}' and '{shown}'); send one labels file (or one shapefile's parts)");
            }

            labelParts[part] = shown;
            path = Path.Combine(root, LabelsStem + part);
            maxBytes = Math.Min(maxUploadBytes, GeoLabels.MaxBytes);
        }

        await folder.WriteAsync(
            content, path, maxBytes,
            $"'{shown}' is larger than the {Mebibytes(maxBytes)} limit for {(maxBytes == maxUploadBytes ? "an upload" : "a labels file")}; nothing was imported",
            $"the upload is larger than the {Mebibytes(maxUploadBytes)} limit; nothing was imported",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The scene and the labels file to read (null when no labels came), once the upload is complete; refused when
    /// there is no scene, or the labels are a mix of GeoJSON and shapefile or a shapefile without its .shx and .dbf.
    /// </summary>
    public (string Scene, string? Labels) Complete()
    {
        if (sceneName is null)
        {
            throw ProblemException.Invalid(labelParts.Count == 0
                ? "the upload carries no files; send one GeoTIFF scene (.tif) and, optionally, its labels (.geojson, or a shapefile's .shp, .shx and .dbf)"
                : "the upload carries labels but no scene; send the GeoTIFF scene (.tif) with them");
        }

        var scene = Path.Combine(root, SceneFile);
        if (labelParts.Count == 0)
        {
            return (scene, null);
        }

        if (labelParts.ContainsKey(".geojson"))
        {
            return labelParts.Count == 1
                ? (scene, Path.Combine(root, LabelsStem + ".geojson"))
                : throw ProblemException.Invalid(
                    $"the upload carries a GeoJSON and shapefile parts ({string.Join(", ", labelParts.Values.Select(v => $"'{v}'"))}); send one labels file: a GeoJSON or a shapefile");
        }

        var missing = ShapefileParts.Where(p => !labelParts.ContainsKey(p)).ToList();
        return missing.Count == 0
            ? (scene, Path.Combine(root, LabelsStem + ".shp"))
            : throw ProblemException.Invalid(
                $"the shapefile is incomplete: {string.Join(" and ", missing)} {(missing.Count == 1 ? "is" : "are")} missing; a shapefile's labels need its .shp, .shx and .dbf (and .prj for its CRS), uploaded together");
    }

    /// <summary>
    /// Opens the staged scene as a geo import source (its header, the labels and the chip grid are checked now);
    /// <paramref name="options"/> should name <see cref="Complete"/>'s labels. Messages name the file as it was sent.
    /// </summary>
    public GeoSource Open(GeoImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (scene, _) = Complete();
        try
        {
            var opened = GeoScene.Stack(sceneName!, [(sceneName!, scene)], options.Limits);
            return GeoSource.Open([opened], options, null);
        }
        catch (ProblemException e)
        {
            throw new ProblemException(e.Kind, e.Message.Replace($"'{SceneFile}'", $"'{sceneName}.tif'", StringComparison.Ordinal), e);
        }
    }

    public void Dispose() => folder.Dispose();

    // The scene's name in chip names and messages: letters, digits, '-', '_' and '.', at most 60 characters.
    private static string SafeSceneName(string fileName)
    {
        var stem = Path.GetFileNameWithoutExtension(fileName.Replace('\\', '/'));
        var safe = new string(stem.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.').Take(60).ToArray()).Trim('.');
        return safe.Length > 0 ? safe : "scene";
    }

    private static string Printable(string name) => new(name.Select(c => char.IsControl(c) ? '?' : c).Take(200).ToArray());

    private static string Mebibytes(long bytes) => StagingFolder.Mebibytes(bytes);
}
