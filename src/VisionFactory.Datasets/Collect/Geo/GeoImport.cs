using VisionFactory.Datasets.Collect.Geo.Stac;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>Opens what a geo import names: GeoTIFF files on this machine, or a STAC API whose search finds the scenes.</summary>
public static class GeoImport
{
    /// <summary>Whether <paramref name="source"/> is a STAC API address rather than a file.</summary>
    public static bool IsStac(string source) =>
        source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The chips of the scenes: local GeoTIFFs (<paramref name="sources"/> are paths), or, for one http(s) address, the
    /// items a STAC search there finds (assets downloaded under <paramref name="downloadRoot"/> and deleted with the source).
    /// </summary>
    public static async Task<GeoSource> OpenAsync(
        IReadOnlyList<string> sources,
        GeoImportOptions options,
        StacSearch? search,
        WebCollectOptions web,
        string downloadRoot,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(options);
        options.Check();
        if (sources.Count == 0)
        {
            throw ProblemException.Invalid("nothing to import: give a GeoTIFF scene or a STAC API address");
        }

        if (!IsStac(sources[0]))
        {
            return GeoSource.Open(sources, options);
        }

        if (sources.Count > 1)
        {
            throw ProblemException.Invalid("give one STAC API address at a time");
        }

        if (options.LabelsPath is { } labels && !File.Exists(labels))
        {
            throw ProblemException.NotFound($"the labels file '{labels}' does not exist");
        }

        using var fetcher = new WebFetcher(web);
        var (scenes, folder, _) = await StacImport.OpenAsync(
            new Uri(sources[0]), search ?? new StacSearch(), fetcher, StacDownloadOptions.Default, downloadRoot, options.Limits, cancellationToken).ConfigureAwait(false);
        return GeoSource.Open(scenes, options, folder);
    }
}
