using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace VisionFactory.Datasets.Collect.Search;

/// <summary>
/// Brave Search's image search: <c>GET {endpoint}/res/v1/images/search?q=&amp;count=&amp;safesearch=strict</c> with the key
/// in <c>X-Subscription-Token</c>, answering <c>{"results": [{"properties": {"url": ...}}]}</c>. One request brings up to
/// 200 results (the API has no further pages for images); adult content is filtered.
/// </summary>
public sealed class BraveImageSearch(HttpClient client, ImageSearchOptions options) : IImageSearchProvider
{
    public const string DefaultEndpoint = "https://api.search.brave.com";

    private const int MaxCount = 200;

    public string Name => "Brave image search";

    public async Task<IReadOnlyList<Uri>> SearchAsync(string query, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ImageSearchProviders.Check(options, query);
        count = Math.Clamp(count, 1, Math.Min(options.MaxResults, MaxCount));
        var endpoint = new Uri((options.Endpoint ?? DefaultEndpoint).TrimEnd('/') + "/");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint, string.Create(CultureInfo.InvariantCulture,
            $"res/v1/images/search?q={Uri.EscapeDataString(query)}&count={count}&safesearch=strict")));
        request.Headers.Add("X-Subscription-Token", options.Key);
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw ImageSearchProviders.Refused(Name, response, null);
        }

        var page = await response.Content.ReadFromJsonAsync<Page>(cancellationToken).ConfigureAwait(false);
        return ImageSearchProviders.Addresses(page?.Results?.Select(r => r.Properties?.Url), []).Take(count).ToList();
    }

    private sealed record Page([property: JsonPropertyName("results")] List<Result>? Results);

    private sealed record Result([property: JsonPropertyName("properties")] Properties? Properties);

    private sealed record Properties([property: JsonPropertyName("url")] string? Url);
}
