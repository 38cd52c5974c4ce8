using System.Net;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>The Review page as the server first renders it for a signed-in user, and the fix it offers, over HTTP.</summary>
public sealed class ReviewPagePairedDataTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    [Fact]
    public async Task ReviewPageShowsAPairAcrossClassesAsSameSceneAndTheFixKeepsBothSides()
    {
        using var temp = new TempDirectory(Path.Combine("vf-server-tests", "vf-review-paired"));
        ReviewImages.WriteDataset(temp.Path, ["circles", "squares"], perClass: 12);
        File.WriteAllBytes(Path.Combine(temp.Path, "squares", "paired.jpg"), ReviewImages.Variant(0, 3, scale: 0.75, quality: 70));
        File.WriteAllBytes(Path.Combine(temp.Path, "circles", "copy.jpg"), ReviewImages.Variant(0, 5, scale: 0.75, quality: 70));
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/datasets/paired-review/imports", Json.Body(new { path = temp.Path }))).StatusCode);
        var status = await Json.ReadAsync(await client.PostAsync("/api/datasets/paired-review/review", Json.Body(new { hashes_only = true })));
        status = await Eventually.ValueAsync(
            async () => await Json.ReadAsync(await client.GetAsync("/api/datasets/paired-review/review")),
            review => (string?)review["state"] != "running",
            TimeSpan.FromSeconds(60),
            "the review to end");

        using var browser = await SignedInBrowserAsync();
        var html = await browser.GetStringAsync(new Uri("/review/paired-review", UriKind.Relative));
        var fixedUp = await client.PostAsync("/api/datasets/paired-review/review/fixes", Json.Body(new { fix = "keep-one-per-group" }));

        Assert.Equal("succeeded", (string?)status["state"]);
        var findings = status["report"]!["health"]!["findings"]!.AsArray();
        Assert.Contains(findings, f => (string?)f!["kind"] == "paired-across-classes" && (int)f["count"]! == 1 && (string?)f["severity"] == "info");
        Assert.Contains(findings, f => (string?)f!["kind"] == "imbalance" && (string?)f["severity"] == "ok");
        Assert.Contains("same scene, different classes", html, StringComparison.Ordinal);
        Assert.Contains("expected for paired data; check they stay in one split", html, StringComparison.Ordinal);
        Assert.DoesNotContain(">two classes<", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, fixedUp.StatusCode);
        Assert.Equal(25, (int)(await Json.ReadAsync(fixedUp))["images"]!);
        var squares = await Json.ReadAsync(await client.GetAsync("/api/datasets/paired-review/images?class=squares&take=100"));
        Assert.Contains(squares["images"]!.AsArray(), i => (string?)i!["source_path"] == "squares/paired.jpg");
    }

    private async Task<HttpClient> SignedInBrowserAsync()
    {
        var browser = new HttpClient(new Microsoft.AspNetCore.Mvc.Testing.Handlers.CookieContainerHandler { InnerHandler = factory.Server.CreateHandler() })
        {
            BaseAddress = factory.Server.BaseAddress,
        };
        await AdminKey.CreateAsync(browser);
        return browser;
    }
}
