using System.Text.Json;
using VisionFactory.Datasets.Collect.Search;
using VisionFactory.Domain;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>
/// The image search providers, each against a local server speaking its documented JSON: SerpApi's Google Images engine,
/// Brave Search's image search, and the legacy Bing Image Search v7.
/// </summary>
public sealed class ImageSearchTests
{
    [Fact]
    public async Task ResultsArePagedUntilEnoughAndTheKeyIsSent()
    {
        var keys = new List<string?>();
        using var fake = new LocalWebServer("127.0.0.2", async context =>
        {
            keys.Add(context.Request.Headers["Ocp-Apim-Subscription-Key"]);
            var query = System.Web.HttpUtility.ParseQueryString(context.Request.Url!.Query);
            var offset = int.Parse(query["offset"]!, System.Globalization.CultureInfo.InvariantCulture);
            var count = int.Parse(query["count"]!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal("red cats", query["q"]);
            Assert.Equal("Strict", query["safeSearch"]);
            var value = Enumerable.Range(offset, Math.Min(count, 7 - Math.Min(7, offset)))
                .Select(i => new { contentUrl = $"https://images.example/{i}.jpg", thumbnailUrl = $"https://thumbs.example/{i}", encodingFormat = "jpeg" })
                .Append(new { contentUrl = "javascript:alert(1)", thumbnailUrl = "", encodingFormat = "" });
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(new { _type = "Images", value, nextOffset = offset + count }));
        });
        using var client = new HttpClient();
        var search = new BingImageSearch(client, new ImageSearchOptions { Endpoint = fake.BaseUri.ToString(), Key = "secret-key", PageSize = 3 });

        var five = await search.SearchAsync("red cats", 5, CancellationToken.None);
        var all = await search.SearchAsync("red cats", 100, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => new Uri($"https://images.example/{i}.jpg")), five);
        Assert.Equal(7, all.Count);
        Assert.All(keys, k => Assert.Equal("secret-key", k));
    }

    [Fact]
    public async Task AMissingOrRejectedKeySaysWhatToSet()
    {
        using var fake = new LocalWebServer("127.0.0.2", context =>
        {
            context.Response.StatusCode = 401;
            return Task.CompletedTask;
        });
        using var client = new HttpClient();

        var missing = await Assert.ThrowsAsync<ProblemException>(() =>
            new BingImageSearch(client, new ImageSearchOptions { Endpoint = fake.BaseUri.ToString() }).SearchAsync("cats", 5, CancellationToken.None));
        var rejected = await Assert.ThrowsAsync<ProblemException>(() =>
            new BingImageSearch(client, new ImageSearchOptions { Endpoint = fake.BaseUri.ToString(), Key = "wrong" }).SearchAsync("cats", 5, CancellationToken.None));

        Assert.Contains("Collect:Search:Key", missing.Message, StringComparison.Ordinal);
        Assert.Contains("answered 401", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("check Collect:Search:Key", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SerpApiGoogleImagesArePagedByIjnWithTheKeyInTheQuery()
    {
        var asked = new List<System.Collections.Specialized.NameValueCollection>();
        using var fake = new LocalWebServer("127.0.0.2", async context =>
        {
            var query = System.Web.HttpUtility.ParseQueryString(context.Request.Url!.Query);
            lock (asked)
            {
                asked.Add(query);
            }

            Assert.Equal("/search.json", context.Request.Url.AbsolutePath);
            var page = int.Parse(query["ijn"]!, System.Globalization.CultureInfo.InvariantCulture);
            var results = Enumerable.Range(page * 4, page < 2 ? 4 : 0)
                .Select(i => new { position = i + 1, thumbnail = $"https://serpapi.example/thumb/{i}", original = $"https://images.example/{i}.jpg", original_width = 640 })
                .Append(new { position = 99, thumbnail = "", original = "ftp://images.example/x.jpg", original_width = 1 })
                .Append(new { position = 100, thumbnail = "", original = "https://images.example/0.jpg", original_width = 1 });
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(
                new { search_metadata = new { status = "Success" }, images_results = results }));
        });
        using var client = new HttpClient();
        var options = new ImageSearchOptions { Provider = "serpapi", Endpoint = fake.BaseUri.ToString(), Key = "serp-key" };

        var six = await ImageSearchProviders.Create(client, options).SearchAsync("red cats", 6, CancellationToken.None);
        var all = await ImageSearchProviders.Create(client, options).SearchAsync("red cats", 100, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 6).Select(i => new Uri($"https://images.example/{i}.jpg")), six);
        Assert.Equal(8, all.Count);
        Assert.All(asked, q => Assert.Equal(("google_images", "red cats", "serp-key", "active"), (q["engine"], q["q"], q["api_key"], q["safe"])));
        Assert.Equal(["0", "1", "0", "1", "2"], asked.Select(q => q["ijn"]));
    }

    [Fact]
    public async Task SerpApiErrorsSayWhatTheServiceAnswered()
    {
        using var fake = new LocalWebServer("127.0.0.2", async context =>
        {
            var key = System.Web.HttpUtility.ParseQueryString(context.Request.Url!.Query)["api_key"];
            context.Response.StatusCode = key == "good" ? 200 : 401;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(key == "good"
                ? new { error = "Google hasn't returned any results for this query." }
                : new { error = "Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key" }));
        });
        using var client = new HttpClient();

        var rejected = await Assert.ThrowsAsync<ProblemException>(() => ImageSearchProviders.Create(client,
            new ImageSearchOptions { Provider = "serpapi", Endpoint = fake.BaseUri.ToString(), Key = "bad" }).SearchAsync("cats", 5, CancellationToken.None));
        var none = await ImageSearchProviders.Create(client,
            new ImageSearchOptions { Provider = "serpapi", Endpoint = fake.BaseUri.ToString(), Key = "good" }).SearchAsync("cats", 5, CancellationToken.None);

        Assert.Contains("SerpApi Google Images answered 401", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("Invalid API key", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("check Collect:Search:Key", rejected.Message, StringComparison.Ordinal);
        Assert.Empty(none);
    }

    [Fact]
    public async Task BraveImageSearchSendsTheSubscriptionTokenAndReadsThePropertiesUrl()
    {
        var tokens = new List<string?>();
        using var fake = new LocalWebServer("127.0.0.2", async context =>
        {
            tokens.Add(context.Request.Headers["X-Subscription-Token"]);
            var query = System.Web.HttpUtility.ParseQueryString(context.Request.Url!.Query);
            Assert.Equal("/res/v1/images/search", context.Request.Url.AbsolutePath);
            Assert.Equal(("blue birds", "strict"), (query["q"], query["safesearch"]));
            if (context.Request.Headers["X-Subscription-Token"] != "brave-key")
            {
                context.Response.StatusCode = 401;
                return;
            }

            var count = int.Parse(query["count"]!, System.Globalization.CultureInfo.InvariantCulture);
            var results = Enumerable.Range(0, Math.Min(count, 5)).Select(i => new
            {
                type = "image_result",
                title = $"bird {i}",
                url = $"https://pages.example/{i}.html",
                source = "pages.example",
                thumbnail = new { src = $"https://imgs.search.brave.com/{i}" },
                properties = new { url = $"https://images.example/bird{i}.jpg", placeholder = $"https://imgs.search.brave.com/p{i}" },
            });
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(new { type = "images", query = new { original = "blue birds" }, results }));
        });
        using var client = new HttpClient();

        var three = await ImageSearchProviders.Create(client,
            new ImageSearchOptions { Provider = "brave", Endpoint = fake.BaseUri.ToString(), Key = "brave-key" }).SearchAsync("blue birds", 3, CancellationToken.None);
        var all = await ImageSearchProviders.Create(client,
            new ImageSearchOptions { Provider = "Brave", Endpoint = fake.BaseUri.ToString(), Key = "brave-key" }).SearchAsync("blue birds", 500, CancellationToken.None);
        var rejected = await Assert.ThrowsAsync<ProblemException>(() => ImageSearchProviders.Create(client,
            new ImageSearchOptions { Provider = "brave", Endpoint = fake.BaseUri.ToString(), Key = "wrong" }).SearchAsync("blue birds", 3, CancellationToken.None));

        Assert.Equal(Enumerable.Range(0, 3).Select(i => new Uri($"https://images.example/bird{i}.jpg")), three);
        Assert.Equal(5, all.Count);
        Assert.Equal(["brave-key", "brave-key", "wrong"], tokens);
        Assert.Contains("Brave image search answered 401", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("check Collect:Search:Key", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheProviderIsChosenInSettingsAndBingIsMarkedLegacy()
    {
        using var client = new HttpClient();

        Assert.IsType<SerpApiImageSearch>(ImageSearchProviders.Create(client, new ImageSearchOptions()));
        Assert.IsType<BraveImageSearch>(ImageSearchProviders.Create(client, new ImageSearchOptions { Provider = "brave" }));
        Assert.IsType<BingImageSearch>(ImageSearchProviders.Create(client, new ImageSearchOptions { Provider = "bing" }));
        Assert.Contains("legacy", ImageSearchProviders.Describe("bing"), StringComparison.Ordinal);
        var unknown = Assert.Throws<ProblemException>(() => ImageSearchProviders.Create(client, new ImageSearchOptions { Provider = "altavista" }));
        Assert.Contains("choose serpapi, brave, bing", unknown.Message, StringComparison.Ordinal);
    }
}
