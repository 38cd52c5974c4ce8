using System.Globalization;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Geo.Stac;

/// <summary>Bounds of STAC downloads.</summary>
public sealed record StacDownloadOptions
{
    public static StacDownloadOptions Default { get; } = new();

    /// <summary>Largest asset downloaded (a Sentinel-2 10 m band is about 100-250 MB).</summary>
    public long MaxAssetBytes { get; init; } = 2L << 30;

    /// <summary>Longest time one asset may take to download.</summary>
    public TimeSpan AssetTimeout { get; init; } = TimeSpan.FromMinutes(20);
}

/// <summary>Searches a STAC catalogue, downloads the chosen assets of the items found and opens each item as a scene.</summary>
public static class StacImport
{
    /// <summary>
    /// The scenes of the items <paramref name="search"/> finds at <paramref name="api"/>, their assets downloaded into
    /// a new folder under <paramref name="downloads"/> (returned: the caller deletes it with the scenes).
    /// </summary>
    public static async Task<(List<GeoScene> Scenes, string Folder, IReadOnlyList<StacItem> Items)> OpenAsync(
        Uri api, StacSearch search, WebFetcher fetcher, StacDownloadOptions downloads, string downloadRoot, GeoLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        ArgumentNullException.ThrowIfNull(downloads);
        var items = await new StacClient(fetcher).SearchAsync(api, search, cancellationToken).ConfigureAwait(false);
        if (items.Count == 0)
        {
            throw ProblemException.NotFound("the STAC search found no scenes: widen the bounding box, the time range or the cloud-cover bound");
        }

        var folder = Path.Combine(downloadRoot, "stac-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var scenes = new List<GeoScene>();
        try
        {
            var n = 0;
            foreach (var item in items)
            {
                var assets = item.Select(search.Assets);
                var parts = new List<(string Name, string Path)>();
                foreach (var asset in assets)
                {
                    var path = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{++n:0000}.tif"));
                    try
                    {
                        await fetcher.DownloadToFileAsync(asset.Href, path, downloads.MaxAssetBytes, downloads.AssetTimeout, cancellationToken).ConfigureAwait(false);
                    }
                    catch (WebFetchException e)
                    {
                        throw ProblemException.Invalid($"asset '{asset.Key}' of item {item.Id} could not be downloaded: {e.Message}");
                    }

                    parts.Add((asset.Key, path));
                }

                scenes.Add(GeoScene.Stack(item.Id, parts, limits));
            }

            return (scenes, folder, items);
        }
        catch
        {
            scenes.ForEach(s => s.Dispose());
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }
}
