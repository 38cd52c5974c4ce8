using System.Globalization;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Geo.Stac;

/// <summary>
/// A STAC item search (STAC API "item search", POST /search): collections, a bounding box in WGS 84, a time range,
/// a cloud-cover bound (the <c>query</c> extension on <c>eo:cloud_cover</c>), and which assets of each item to fetch.
/// </summary>
public sealed record StacSearch
{
    /// <summary>Collections to search, e.g. sentinel-2-l2a.</summary>
    public IReadOnlyList<string> Collections { get; init; } = [];

    /// <summary>West, south, east, north in degrees (WGS 84).</summary>
    public IReadOnlyList<double>? Bbox { get; init; }

    /// <summary>A RFC 3339 instant or interval, e.g. 2024-06-01T00:00:00Z/2024-06-30T23:59:59Z (open ends as '..').</summary>
    public string? Datetime { get; init; }

    /// <summary>Items with more cloud cover (percent) are left out.</summary>
    public double? MaxCloudCover { get; init; }

    /// <summary>The assets to download from each item, by asset key or band name (eo:bands name or common name), e.g. red,green,blue or B04,B03,B02.</summary>
    public IReadOnlyList<string> Assets { get; init; } = [];

    /// <summary>Scenes to import (the first ones the catalogue returns).</summary>
    public int MaxItems { get; init; } = 1;

    /// <summary>Items asked for per page.</summary>
    public int PageSize { get; init; } = 10;

    public string? Validate()
    {
        if (Bbox is { } box && (box.Count != 4 || box[0] >= box[2] || box[1] >= box[3] || box.Any(v => !double.IsFinite(v)) || Math.Abs(box[1]) > 90 || Math.Abs(box[3]) > 90))
        {
            return "the bounding box must be west,south,east,north in degrees, with west < east and south < north";
        }

        if (MaxCloudCover is < 0 or > 100)
        {
            return "the cloud-cover bound is a percentage (0..100)";
        }

        if (MaxItems is < 1 or > 100)
        {
            return "import between 1 and 100 scenes at a time";
        }

        return PageSize is < 1 or > 1000 ? "the page size must lie between 1 and 1000" : null;
    }

    /// <summary>Parses "west,south,east,north".</summary>
    public static IReadOnlyList<double> ParseBbox(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new List<double>();
        foreach (var part in parts)
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                throw ProblemException.Invalid($"'{text}' is not a bounding box: write west,south,east,north in degrees (e.g. 11.0,46.0,11.2,46.2)");
            }

            values.Add(v);
        }

        return values;
    }
}

/// <summary>One asset of a STAC item.</summary>
public sealed record StacAsset(string Key, Uri Href, string? Type, IReadOnlyList<string> BandNames);

/// <summary>One scene of a STAC catalogue.</summary>
public sealed record StacItem(string Id, string Collection, DateTimeOffset? Datetime, double? CloudCover, IReadOnlyDictionary<string, StacAsset> Assets)
{
    /// <summary>
    /// The assets named by <paramref name="names"/> (asset keys or band names), in order; without names the RGB
    /// preview asset ('visual'). A name the item lacks is an error listing what it has.
    /// </summary>
    public IReadOnlyList<StacAsset> Select(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0)
        {
            return Assets.TryGetValue("visual", out var visual)
                ? [visual]
                : throw ProblemException.Invalid($"item {Id} has no 'visual' asset: choose its band assets (e.g. --assets red,green,blue); it has {string.Join(", ", Assets.Keys)}");
        }

        return names.Select(name =>
            Assets.Values.FirstOrDefault(a => a.Key.Equals(name, StringComparison.OrdinalIgnoreCase))
            ?? Assets.Values.FirstOrDefault(a => a.BandNames.Contains(name, StringComparer.OrdinalIgnoreCase))
            ?? throw ProblemException.Invalid($"item {Id} has no asset or band '{name}'; its assets are {string.Join(", ", Assets.Keys)}")).ToList();
    }
}
