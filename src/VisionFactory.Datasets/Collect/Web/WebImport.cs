using VisionFactory.Datasets.Import;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Web;

/// <summary>Reads what a web import names: one http(s) address, or a list file of addresses.</summary>
public static class WebImport
{
    private const long MaxListBytes = 4L << 20;

    public static bool IsWeb(ImportFormat format) => format is ImportFormat.Urls or ImportFormat.Pages;

    /// <summary>The items of <paramref name="source"/>: an http(s) address or a local list file (one 'url' or 'class,url' a line).</summary>
    public static async Task<List<WebItem>> ItemsAsync(string source, ImportFormat format, string? className, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        var pages = format == ImportFormat.Pages;
        if (source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return string.IsNullOrWhiteSpace(className)
                ? throw ProblemException.Invalid("give the class of the images at this address (--class, or 'class' in the request)")
                : [new WebItem(className, source, pages)];
        }

        if (!File.Exists(source))
        {
            throw ProblemException.NotFound($"'{source}' is neither an http(s) address nor a list file");
        }

        if (new FileInfo(source).Length > MaxListBytes)
        {
            throw ProblemException.Invalid($"'{source}' is larger than {MaxListBytes >> 20} MiB, the limit for an address list");
        }

        return UrlSource.ParseList(await File.ReadAllTextAsync(source, cancellationToken).ConfigureAwait(false), className, pages);
    }
}
