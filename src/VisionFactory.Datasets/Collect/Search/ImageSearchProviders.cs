using System.Net;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Search;

/// <summary>The image search services an administrator can choose in <c>Collect:Search:Provider</c>, and what they share.</summary>
public static class ImageSearchProviders
{
    /// <summary>Google Images through SerpApi (the default).</summary>
    public const string SerpApi = "serpapi";

    /// <summary>Brave Search's image search.</summary>
    public const string Brave = "brave";

    /// <summary>Bing Image Search v7: legacy, retired by Microsoft in August 2025 (kept for compatible self-hosted endpoints).</summary>
    public const string Bing = "bing";

    /// <summary>Every provider name, in the order settings and pages offer them.</summary>
    public static IReadOnlyList<string> All { get; } = [SerpApi, Brave, Bing];

    /// <summary>The provider <paramref name="options"/> choose.</summary>
    public static IImageSearchProvider Create(HttpClient client, ImageSearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Provider.Trim().ToLowerInvariant() switch
        {
            SerpApi => new SerpApiImageSearch(client, options),
            Brave => new BraveImageSearch(client, options),
            Bing => new BingImageSearch(client, options),
            _ => throw ProblemException.Invalid($"Collect:Search:Provider is '{options.Provider}'; choose {string.Join(", ", All)}"),
        };
    }

    /// <summary>How a provider is shown in settings and pages.</summary>
    public static string Describe(string provider) => provider switch
    {
        SerpApi => "SerpApi (Google Images)",
        Brave => "Brave Search images",
        Bing => "Bing Image Search v7 (legacy: retired by Microsoft in August 2025)",
        _ => provider,
    };

    internal static void Check(ImageSearchOptions options, string query)
    {
        if (string.IsNullOrWhiteSpace(options.Key))
        {
            throw ProblemException.Invalid("image search is not set up: an administrator sets the key in Collect:Search:Key");
        }

        if (string.IsNullOrWhiteSpace(query))
        {
            throw ProblemException.Invalid("the search query is empty");
        }
    }

    internal static ProblemException Refused(string name, HttpResponseMessage response, string? detail) =>
        ProblemException.Invalid(
            $"{name} answered {(int)response.StatusCode} {response.ReasonPhrase}" + (detail is null ? "" : $" ({detail})") +
            (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? ": check Collect:Search:Key" : ""));

    // http(s) addresses only, each once, in the service's order.
    internal static IEnumerable<Uri> Addresses(IEnumerable<string?>? candidates, IReadOnlyCollection<Uri> known)
    {
        var seen = new HashSet<Uri>(known);
        foreach (var candidate in candidates ?? [])
        {
            if (Uri.TryCreate(candidate, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && seen.Add(uri))
            {
                yield return uri;
            }
        }
    }
}
