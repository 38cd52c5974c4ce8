using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Geo.Stac;

/// <summary>
/// A client of a STAC API's item search: POSTs the search to <c>{api}/search</c> and follows the <c>next</c> links
/// (GET, or POST with their body, merged when they say so) until enough items came or the pages end. Every request goes
/// through the <see cref="WebFetcher"/>, so catalogue and downloads are checked at connect time and bounded.
/// </summary>
public sealed class StacClient(WebFetcher fetcher)
{
    private const long MaxPageBytes = 16L << 20;
    private const int MaxPages = 100;

    /// <summary>The search address of <paramref name="api"/>: the API root with /search, or the address itself when it ends in /search.</summary>
    public static Uri SearchUri(Uri api)
    {
        ArgumentNullException.ThrowIfNull(api);
        return api.AbsolutePath.TrimEnd('/').EndsWith("/search", StringComparison.Ordinal)
            ? api
            : new Uri(api.ToString().TrimEnd('/') + "/search");
    }

    /// <summary>Items matching <paramref name="search"/>, at most its <see cref="StacSearch.MaxItems"/>, in the catalogue's order.</summary>
    public async Task<IReadOnlyList<StacItem>> SearchAsync(Uri api, StacSearch search, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        if (search.Validate() is { } problem)
        {
            throw ProblemException.Invalid(problem);
        }

        var items = new List<StacItem>();
        var target = SearchUri(api);
        JsonObject? body = Body(search);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var page = 0; page < MaxPages && items.Count < search.MaxItems; page++)
        {
            if (!seen.Add(target + (body?.ToJsonString() ?? "")))
            {
                break;
            }

            byte[] answer;
            try
            {
                answer = body is null
                    ? await fetcher.GetAsync(target, MaxPageBytes, cancellationToken).ConfigureAwait(false)
                    : await fetcher.PostJsonAsync(target, body.ToJsonString(), MaxPageBytes, cancellationToken).ConfigureAwait(false);
            }
            catch (WebFetchException e)
            {
                throw ProblemException.Invalid($"the STAC search failed: {e.Message}");
            }

            var (found, next) = ParsePage(answer, target);
            items.AddRange(found.Take(search.MaxItems - items.Count));
            if (next is null)
            {
                break;
            }

            (target, body) = (next.Value.Href, next.Value.Body is null ? null : next.Value.Merge && body is not null ? Merge(body, next.Value.Body) : next.Value.Body);
        }

        return items;
    }

    private static JsonObject Body(StacSearch search)
    {
        var body = new JsonObject { ["limit"] = search.PageSize };
        if (search.Collections.Count > 0)
        {
            body["collections"] = new JsonArray(search.Collections.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray());
        }

        if (search.Bbox is { } box)
        {
            body["bbox"] = new JsonArray(box.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
        }

        if (!string.IsNullOrWhiteSpace(search.Datetime))
        {
            body["datetime"] = search.Datetime;
        }

        if (search.MaxCloudCover is { } cloud)
        {
            body["query"] = new JsonObject { ["eo:cloud_cover"] = new JsonObject { ["lte"] = cloud } };
        }

        return body;
    }

    private static JsonObject Merge(JsonObject current, JsonObject update)
    {
        var merged = (JsonObject)current.DeepClone();
        foreach (var (key, value) in update)
        {
            merged[key] = value?.DeepClone();
        }

        return merged;
    }

    private static (List<StacItem> Items, (Uri Href, JsonObject? Body, bool Merge)? Next) ParsePage(byte[] answer, Uri page)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(answer, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw ProblemException.Invalid($"the STAC search at {page} did not answer JSON: {e.Message}");
        }

        if (root is not JsonObject collection || collection["features"] is not JsonArray features)
        {
            throw ProblemException.Invalid($"the STAC search at {page} did not answer a FeatureCollection with 'features'");
        }

        var items = new List<StacItem>();
        foreach (var feature in features.OfType<JsonObject>())
        {
            var id = (string?)feature["id"] ?? "";
            var properties = feature["properties"] as JsonObject;
            var assets = new Dictionary<string, StacAsset>(StringComparer.Ordinal);
            foreach (var (key, value) in feature["assets"] as JsonObject ?? [])
            {
                if (value is JsonObject asset && (string?)asset["href"] is { } href && Uri.TryCreate(page, href, out var uri))
                {
                    var bands = (asset["eo:bands"] as JsonArray ?? [])
                        .OfType<JsonObject>()
                        .SelectMany(b => new[] { (string?)b["name"], (string?)b["common_name"] })
                        .OfType<string>()
                        .ToList();
                    assets[key] = new StacAsset(key, uri, (string?)asset["type"], bands);
                }
            }

            var datetime = (string?)properties?["datetime"] is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when) ? when : (DateTimeOffset?)null;
            var cloud = properties?["eo:cloud_cover"] is JsonValue c && c.TryGetValue<double>(out var cover) ? cover : (double?)null;
            items.Add(new StacItem(id, (string?)feature["collection"] ?? "", datetime, cloud, assets));
        }

        var next = (collection["links"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .FirstOrDefault(l => (string?)l["rel"] == "next" && l["href"] is not null);
        if (next is null || !Uri.TryCreate(page, (string?)next["href"], out var nextUri))
        {
            return (items, null);
        }

        var method = ((string?)next["method"] ?? "GET").ToUpperInvariant();
        var body = method == "POST" ? (next["body"] as JsonObject)?.DeepClone() as JsonObject ?? [] : null;
        return (items, (nextUri, body, next["merge"] is JsonValue m && m.TryGetValue<bool>(out var merge) && merge));
    }
}
