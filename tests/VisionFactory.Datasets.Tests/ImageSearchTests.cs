using System.Text.Json;
using VisionFactory.Datasets.Collect.Search;
using VisionFactory.Domain;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>The image search provider against a local server speaking the Bing Image Search v7 JSON.</summary>
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
}
