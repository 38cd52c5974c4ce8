using System.ComponentModel.DataAnnotations;

namespace VisionFactory.Datasets.Collect.Search;

/// <summary>An image search service: a query gives the addresses of matching images.</summary>
public interface IImageSearchProvider
{
    /// <summary>The provider's name, as shown in a dataset's history.</summary>
    string Name { get; }

    /// <summary>Up to <paramref name="count"/> image addresses for <paramref name="query"/>, best first.</summary>
    Task<IReadOnlyList<Uri>> SearchAsync(string query, int count, CancellationToken cancellationToken);
}

/// <summary>The commercial image search an administrator configured (section <c>Collect:Search</c>).</summary>
public sealed record ImageSearchOptions
{
    /// <summary>
    /// The service: <c>serpapi</c> (Google Images through SerpApi, the default), <c>brave</c> (Brave Search images) or
    /// <c>bing</c> (Bing Image Search v7, legacy: Microsoft retired it in August 2025).
    /// </summary>
    public string Provider { get; init; } = ImageSearchProviders.SerpApi;

    /// <summary>The API's base address when not the provider's own (https://serpapi.com, https://api.search.brave.com, https://api.bing.microsoft.com).</summary>
    public string? Endpoint { get; init; }

    /// <summary>The subscription key; searching is off without one.</summary>
    public string? Key { get; init; }

    /// <summary>Results asked for per request (the API's page size, at most 150).</summary>
    [Range(1, 150)]
    public int PageSize { get; init; } = 50;

    /// <summary>Most results one search may collect.</summary>
    [Range(1, int.MaxValue)]
    public int MaxResults { get; init; } = 1000;
}
