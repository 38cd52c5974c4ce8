using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Datasets.Editing;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;

namespace VisionFactory.Datasets.Collect.Search;

/// <summary>
/// An image search imported as one class of a new version: the provider's result addresses are downloaded like a
/// list of image addresses (internal addresses refused, robots.txt honoured, per-host rate limit, byte caps). The same
/// path serves the API, the "Add data" dialog and <c>vf dataset import --search</c>.
/// </summary>
public sealed record ImageSearchImport(string Query, string ClassName, int Count)
{
    /// <summary>Checks the request; the class defaults to the query.</summary>
    public static ImageSearchImport Create(string? query, string? className, int? count)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            throw ProblemException.Invalid("the search query is empty: say what the images should show");
        }

        var chosen = string.IsNullOrWhiteSpace(className) ? query.Trim() : className.Trim();
        if (DatasetEditor.ValidateClassName(chosen) is { } problem)
        {
            throw ProblemException.Invalid(problem);
        }

        var n = count ?? 100;
        if (n is < 1 or > 1000)
        {
            throw ProblemException.Invalid($"a search collects 1 to 1000 images, not {n}");
        }

        return new ImageSearchImport(query.Trim(), chosen, n);
    }

    /// <summary>What the job and the version's history show as the source.</summary>
    public string Description => $"image search: {Query}";

    public async Task<DatasetVersion> ImportAsync(
        DatasetImporter importer, string dataset, ImageSearchOptions search, WebCollectOptions web, ImportOptions options,
        IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(importer);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var provider = ImageSearchProviders.Create(client, search);
        var found = await provider.SearchAsync(Query, Count, cancellationToken).ConfigureAwait(false);
        if (found.Count == 0)
        {
            throw ProblemException.NotFound($"{provider.Name} found nothing for '{Query}'");
        }

        using var fetcher = new WebFetcher(web);
        using var source = await UrlSource.OpenAsync(found.Select(u => new WebItem(ClassName, u.ToString(), false)).ToList(), fetcher, cancellationToken).ConfigureAwait(false);
        return await importer.ImportFromAsync(dataset, source, Description, options, progress, cancellationToken).ConfigureAwait(false);
    }
}
