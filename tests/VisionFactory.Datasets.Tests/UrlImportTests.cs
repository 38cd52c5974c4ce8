using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Datasets.Import;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>Imports of image addresses and of the images shown on web pages, from a local site.</summary>
public sealed class UrlImportTests
{
    [Fact]
    public async Task PageImagesAndListedImagesImportWhileInternalAddressesAreSkipped()
    {
        using var trap = new LocalWebServer("127.0.0.1", _ => Task.CompletedTask);
        using var site = new LocalWebServer("127.0.0.2", async context =>
        {
            var path = context.Request.Url!.AbsolutePath;
            if (path == "/gallery.html")
            {
                context.Response.ContentType = "text/html";
                var html = $"""
                    <html><body>
                    <img src="/img/cat-0.png" alt="a">
                    <img src="/img/small.png" srcset="/img/cat-1.png 2x, /img/tiny.png 1x">
                    <picture><source srcset="img/cat-2.png 800w, img/tiny.png 100w"><img src="/img/tiny.png"></picture>
                    <img src="data:image/png;base64,iVBORw0KGgo=">
                    <img src="http://127.0.0.1:{trap.Port}/secret.png">
                    </body></html>
                    """;
                await context.Response.OutputStream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(html));
                return;
            }

            if (path.StartsWith("/img/cat-", StringComparison.Ordinal) || path.StartsWith("/img/dog-", StringComparison.Ordinal))
            {
                var n = int.Parse(path[9..^4], System.Globalization.CultureInfo.InvariantCulture);
                await context.Response.OutputStream.WriteAsync(SyntheticImages.Encode(path.Contains("cat", StringComparison.Ordinal) ? 0 : 1, n));
                return;
            }

            context.Response.StatusCode = 404;
        });
        await using var f = await ImportFixture.CreateAsync();
        using var fetcher = new WebFetcher(WebCollectOptions.Default with { AllowedRanges = ["127.0.0.2/32"], PerHostInterval = TimeSpan.Zero });
        var list = UrlSource.ParseList(
            $"# dogs\n{site.Url("img/dog-0.png")}\n{site.Url("img/dog-1.png")}\n{site.Url("img/dog-2.png")}\n{site.Url("img/missing.png")}\nhttp://169.254.169.254/latest/meta-data/\n",
            "dogs",
            pages: false);
        List<WebItem> items = [.. list, new WebItem("cats", site.Url("gallery.html").ToString(), IsPage: true)];

        using var source = await UrlSource.OpenAsync(items, fetcher, CancellationToken.None);
        var version = await f.Importer.ImportFromAsync("web", source, null, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(["cats", "dogs"], version.Classes);
        Assert.Equal(6, version.Items.Count);
        var reasons = version.Import.Skipped.Select(s => s.Reason).ToList();
        Assert.True(reasons.Count == 3, string.Join("; ", reasons));
        Assert.Contains(reasons, r => r.Contains("secret.png is refused", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("169.254.169.254/latest/meta-data/ is refused", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("answered 404", StringComparison.Ordinal));
        Assert.DoesNotContain(site.Hits, h => h.Path == "/img/tiny.png" || h.Path == "/img/small.png");
        Assert.Empty(trap.Hits);
        Assert.StartsWith("web: 5 image addresses, 1 page", version.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void ListLinesNeedAClass()
    {
        var items = UrlSource.ParseList("cats,https://example.org/a.jpg\n\n# done", null, pages: false);

        Assert.Equal("cats", items[0].Class);
        var e = Assert.Throws<Domain.ProblemException>(() => UrlSource.ParseList("https://example.org/b.jpg", null, pages: false));
        Assert.Contains("line 1 has no class", e.Message, StringComparison.Ordinal);
    }
}
