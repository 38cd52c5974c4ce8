using System.Globalization;
using AngleSharp.Html.Parser;

namespace VisionFactory.Datasets.Collect.Web;

/// <summary>The images a web page shows: <c>img src</c>, the largest <c>srcset</c> candidate, <c>picture source srcset</c>.</summary>
public static class PageImages
{
    public static IReadOnlyList<Uri> Harvest(string html, Uri page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var document = new HtmlParser().ParseDocument(html ?? "");
        var baseUri = document.QuerySelector("base[href]")?.GetAttribute("href") is { } href && Uri.TryCreate(page, href, out var based) ? based : page;
        var found = new List<Uri>();
        foreach (var element in document.QuerySelectorAll("img, picture source"))
        {
            // A picture's img is the fallback of its sources: the largest source stands for the picture.
            if (element.LocalName == "img" && element.ParentElement is { LocalName: "picture" } picture && picture.QuerySelector("source[srcset]") is not null)
            {
                continue;
            }

            var candidate = Largest(element.GetAttribute("srcset")) ?? element.GetAttribute("src") ?? element.GetAttribute("data-src");
            if (!string.IsNullOrWhiteSpace(candidate) && Uri.TryCreate(baseUri, candidate.Trim(), out var uri) && uri.Scheme is "http" or "https")
            {
                found.Add(uri);
            }
        }

        return found.Distinct().ToList();
    }

    // "a.jpg 480w, b.jpg 1080w" or "a.jpg 1x, b.jpg 2x": the candidate with the largest descriptor.
    private static string? Largest(string? srcset)
    {
        if (string.IsNullOrWhiteSpace(srcset))
        {
            return null;
        }

        return srcset.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => c.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length > 0)
            .Select(parts => (Url: parts[0], Size: parts.Length > 1 && double.TryParse(parts[1].TrimEnd('w', 'x', 'h'), NumberStyles.Float, CultureInfo.InvariantCulture, out var size) ? size : 1))
            .OrderByDescending(c => c.Size)
            .Select(c => c.Url)
            .FirstOrDefault();
    }
}
