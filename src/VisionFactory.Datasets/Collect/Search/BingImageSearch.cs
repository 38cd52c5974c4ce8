using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Search;

/// <summary>
/// Legacy: Microsoft retired the Bing Image Search v7 API in August 2025; this provider stays for endpoints that still
/// speak its shape (<c>Collect:Search:Provider</c> = <c>bing</c>).
/// Image search through an API of the Bing Image Search v7 shape: <c>GET {endpoint}/v7.0/images/search?q=&amp;count=&amp;offset=</c>
/// with the key in <c>Ocp-Apim-Subscription-Key</c>, answering <c>{"value": [{"contentUrl": ...}], "nextOffset": n}</c>.
/// Results are paged until enough addresses are found or the service has no more; adult content is filtered.
/// </summary>
public sealed class BingImageSearch(HttpClient client, ImageSearchOptions options) : IImageSearchProvider
{
    private const int MaxPages = 100;

    public const string DefaultEndpoint = "https://api.bing.microsoft.com";

    public string Name => "Bing Image Search (legacy)";

    public async Task<IReadOnlyList<Uri>> SearchAsync(string query, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Key))
        {
            throw ProblemException.Invalid("image search is not set up: an administrator sets the key in Collect:Search:Key");
        }

        if (string.IsNullOrWhiteSpace(query))
        {
            throw ProblemException.Invalid("the search query is empty");
        }

        count = Math.Clamp(count, 1, options.MaxResults);
        var found = new List<Uri>();
        var offset = 0;
        var pages = 0;
        while (found.Count < count)
        {
            var size = Math.Min(Math.Clamp(options.PageSize, 1, 150), count - found.Count);
            var address = new Uri(new Uri((options.Endpoint ?? DefaultEndpoint).TrimEnd('/') + "/"), string.Create(CultureInfo.InvariantCulture,
                $"v7.0/images/search?q={Uri.EscapeDataString(query)}&count={size}&offset={offset}&safeSearch=Strict"));
            using var request = new HttpRequestMessage(HttpMethod.Get, address);
            request.Headers.Add("Ocp-Apim-Subscription-Key", options.Key);
            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw ProblemException.Invalid(
                    $"the image search answered {(int)response.StatusCode} {response.ReasonPhrase}" +
                    (response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden ? ": check Collect:Search:Key" : ""));
            }

            var page = await response.Content.ReadFromJsonAsync<Page>(cancellationToken).ConfigureAwait(false);
            var results = page?.Value ?? [];
            var before = found.Count;
            found.AddRange(results
                .Select(r => Uri.TryCreate(r.ContentUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null)
                .OfType<Uri>()
                .Distinct()
                .Where(u => !found.Contains(u)));
            var next = page?.NextOffset ?? offset + results.Count;

            // A page that brings nothing new ends the search, whatever the service says about further pages.
            if (found.Count == before || next <= offset || ++pages >= MaxPages)
            {
                break;
            }

            offset = next;
        }

        return found.Take(count).ToList();
    }

    private sealed record Page(
        [property: JsonPropertyName("value")] List<Result>? Value,
        [property: JsonPropertyName("nextOffset")] int? NextOffset);

    private sealed record Result([property: JsonPropertyName("contentUrl")] string? ContentUrl);
}
