using System.Globalization;
using VisionFactory.Datasets.Editing;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;

namespace VisionFactory.Datasets.Collect.Web;

/// <summary>One address to collect from, with the class its images get.</summary>
/// <param name="Class">The class of the image (or of every image on the page).</param>
/// <param name="Url">An image address, or a page address whose images are harvested.</param>
/// <param name="IsPage">Whether <paramref name="Url"/> is a page.</param>
public sealed record WebItem(string Class, string Url, bool IsPage);

/// <summary>
/// Images at web addresses: listed directly, or harvested from pages. Pages are fetched when the source is opened;
/// images are downloaded as the import reads them (through the <see cref="WebFetcher"/>, so each is checked at connect
/// time, bounded and rate-limited). A refused or failed address is skipped with its reason.
/// </summary>
public sealed class UrlSource : ImportSource
{
    private const long MaxPageBytes = 4L << 20;
    private readonly WebFetcher fetcher;
    private readonly Dictionary<string, Uri> images = new(StringComparer.Ordinal);
    private readonly List<SkippedFile> refused = [];

    private UrlSource(WebFetcher fetcher, string description)
    {
        this.fetcher = fetcher;
        Description = description;
    }

    public override string Description { get; }

    public override IReadOnlyList<SourceFile> Files => images.Keys.Order(StringComparer.Ordinal).Select(k => new SourceFile(k, 0)).ToList();

    public override IReadOnlyList<string> ClassFolders => images.Keys.Select(k => ClassOf(k)!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    public override IReadOnlyList<SkippedFile> Refused => refused;

    /// <summary>Checks the items, fetches the pages and lists every image to download.</summary>
    public static async Task<UrlSource> OpenAsync(IReadOnlyList<WebItem> items, WebFetcher fetcher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(fetcher);
        if (items.Count == 0)
        {
            throw ProblemException.Invalid("no addresses were given: list image URLs or page URLs, each with its class");
        }

        var pages = items.Count(i => i.IsPage);
        var source = new UrlSource(fetcher, $"web: {items.Count - pages} image address{(items.Count - pages == 1 ? "" : "es")}, {pages} page{(pages == 1 ? "" : "s")}");
        var found = new List<(string Class, Uri Uri)>();
        foreach (var item in items)
        {
            if (DatasetEditor.ValidateClassName(item.Class) is { } classProblem)
            {
                throw ProblemException.Invalid($"'{DisplayPath.Escape(item.Url ?? "")}': {classProblem}");
            }

            if (!Uri.TryCreate(item.Url?.Trim(), UriKind.Absolute, out var uri))
            {
                source.refused.Add(new(item.Url ?? "", "is not an absolute address (e.g. https://example.org/cat.jpg)"));
                continue;
            }

            if (!item.IsPage)
            {
                found.Add((item.Class, uri));
                continue;
            }

            try
            {
                var html = await fetcher.GetAsync(uri, MaxPageBytes, cancellationToken).ConfigureAwait(false);
                var harvested = PageImages.Harvest(System.Text.Encoding.UTF8.GetString(html), uri);
                if (harvested.Count == 0)
                {
                    source.refused.Add(new(uri.ToString(), "the page shows no images (<img> or srcset)"));
                }

                found.AddRange(harvested.Select(h => (item.Class, h)));
            }
            catch (WebFetchException e)
            {
                source.refused.Add(new(uri.ToString(), e.Message));
            }
        }

        if (found.Count > fetcher.Options.MaxImages)
        {
            throw ProblemException.Invalid($"{found.Count} images were found; one import may collect at most {fetcher.Options.MaxImages}");
        }

        var n = 0;
        foreach (var (className, uri) in found.DistinctBy(f => (f.Class, f.Uri)))
        {
            var name = Path.GetFileName(uri.AbsolutePath);
            var safe = new string(name.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_').Take(60).ToArray());
            source.images[string.Create(CultureInfo.InvariantCulture, $"{className}/{++n:00000}-{uri.Host}-{safe}")] = uri;
        }

        return source;
    }

    public override Task<byte[]> ReadAsync(SourceFile file, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        return fetcher.GetAsync(images[file.RelativePath], maxBytes, cancellationToken);
    }

    /// <summary>Reads a list file: one address a line, as <c>url</c> (of <paramref name="defaultClass"/>) or <c>class,url</c>; '#' starts a comment.</summary>
    public static List<WebItem> ParseList(string text, string? defaultClass, bool pages)
    {
        ArgumentNullException.ThrowIfNull(text);
        var items = new List<WebItem>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var separator = line.IndexOfAny([',', '\t']);
            var hasClass = separator > 0 && !line[..separator].Contains("://", StringComparison.Ordinal);
            var className = hasClass ? line[..separator].Trim() : defaultClass;
            if (string.IsNullOrWhiteSpace(className))
            {
                throw ProblemException.Invalid($"line {lineNumber} has no class: write 'class,url', or give a class for the whole list");
            }

            items.Add(new WebItem(className, hasClass ? line[(separator + 1)..].Trim() : line, pages));
        }

        return items;
    }
}
