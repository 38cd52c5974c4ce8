using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain.Datasets;

namespace VisionFactory.Cli.Commands;

/// <summary>The web part of <c>vf dataset import --format urls|pages</c>: the opened addresses and their fetcher.</summary>
internal sealed class CliWebImport : IDisposable
{
    private CliWebImport(WebFetcher fetcher, UrlSource source)
    {
        Fetcher = fetcher;
        Source = source;
    }

    public WebFetcher Fetcher { get; }

    public UrlSource Source { get; }

    public static async Task<CliWebImport> OpenAsync(string source, ImportFormat format, string? className, string[] allowRanges, CancellationToken cancellationToken)
    {
        var items = await WebImport.ItemsAsync(source, format, className, cancellationToken).ConfigureAwait(false);
        var fetcher = new WebFetcher(WebCollectOptions.Default with { AllowedRanges = allowRanges });
        try
        {
            return new CliWebImport(fetcher, await UrlSource.OpenAsync(items, fetcher, cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            fetcher.Dispose();
            throw;
        }
    }

    /// <summary>Imports the web source when there is one, else the path.</summary>
    public static Task<DatasetVersion> ImportAsync(
        DatasetImporter importer, string datasetName, string sourcePath, CliWebImport? web, ImportOptions options,
        IProgress<ImportProgress>? progress, CancellationToken cancellationToken) =>
        web is null
            ? importer.ImportAsync(datasetName, sourcePath, options, progress, cancellationToken)
            : importer.ImportFromAsync(datasetName, web.Source, null, options, progress, cancellationToken);

    public void Dispose()
    {
        Source.Dispose();
        Fetcher.Dispose();
    }
}
