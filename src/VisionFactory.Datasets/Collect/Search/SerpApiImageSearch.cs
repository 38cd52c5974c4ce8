using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Search;

/// <summary>
/// Google Images through SerpApi: <c>GET {endpoint}/search.json?engine=google_images&amp;q=&amp;ijn=&amp;safe=active&amp;api_key=</c>,
/// answering <c>{"images_results": [{"original": ...}], "error": ...}</c> with up to 100 results a page (<c>ijn</c> counts
/// pages from 0). Pages are read until enough addresses are found or a page brings nothing new; adult content is filtered.
/// </summary>
public sealed class SerpApiImageSearch(HttpClient client, ImageSearchOptions options) : IImageSearchProvider
{
    public const string DefaultEndpoint = "https://serpapi.com";

    private const int MaxPages = 20;

    public string Name => "SerpApi Google Images";

    public async Task<IReadOnlyList<Uri>> SearchAsync(string query, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ImageSearchProviders.Check(options, query);
        count = Math.Clamp(count, 1, options.MaxResults);
        var endpoint = new Uri((options.Endpoint ?? DefaultEndpoint).TrimEnd('/') + "/");
        var found = new List<Uri>();
        for (var page = 0; page < MaxPages && found.Count < count; page++)
        {
            var address = new Uri(endpoint, string.Create(CultureInfo.InvariantCulture,
                $"search.json?engine=google_images&q={Uri.EscapeDataString(query)}&ijn={page}&safe=active&api_key={Uri.EscapeDataString(options.Key!)}"));
            using var response = await client.GetAsync(address, cancellationToken).ConfigureAwait(false);
            var answer = await ReadAsync(response, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw ImageSearchProviders.Refused(Name, response, answer?.Error);
            }

            if (answer?.Error is { } error)
            {
                // SerpApi answers 200 with an error for a search without results; anything else is a failure.
                if (found.Count > 0 || error.Contains("hasn't returned any results", StringComparison.OrdinalIgnoreCase))
                {
                    break;
                }

                throw ProblemException.Invalid($"{Name} answered: {error}");
            }

            var before = found.Count;
            found.AddRange(ImageSearchProviders.Addresses(answer?.Results?.Select(r => r.Original), found));
            if (found.Count == before)
            {
                break;
            }
        }

        return found.Take(count).ToList();
    }

    private static async Task<Page?> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<Page>(cancellationToken).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException) when (response.StatusCode != HttpStatusCode.OK)
        {
            return null;
        }
    }

    private sealed record Page(
        [property: JsonPropertyName("images_results")] List<Result>? Results,
        [property: JsonPropertyName("error")] string? Error);

    private sealed record Result([property: JsonPropertyName("original")] string? Original);
}
