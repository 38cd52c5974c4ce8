using System.Net;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

public sealed class ReviewApiTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    [Fact]
    public async Task ReviewRunsInTheBackgroundAndAFixMakesANewVersion()
    {
        using var temp = new TempDirectory(Path.Combine("vf-server-tests", "vf-review-api"));
        ReviewImages.WriteDataset(temp.Path, ["circles", "squares"], perClass: 12);
        File.WriteAllBytes(Path.Combine(temp.Path, "circles", "copy.jpg"), ReviewImages.Variant(0, 3, scale: 0.75, quality: 70));
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/datasets/shapes-review/imports", Json.Body(new { path = temp.Path }))).StatusCode);

        var notYet = await client.GetAsync("/api/datasets/shapes-review/review");
        Assert.Contains("has not been reviewed", (string?)(await Json.ProblemAsync(notYet, 404))["detail"], StringComparison.Ordinal);

        var started = await client.PostAsync("/api/datasets/shapes-review/review", Json.Body(new { hashes_only = true }));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal("/api/datasets/shapes-review/review?version=1", started.Headers.Location?.OriginalString);

        var status = await Eventually.ValueAsync(
            async () => await Json.ReadAsync(await client.GetAsync("/api/datasets/shapes-review/review")),
            review => (string?)review["state"] != "running",
            TimeSpan.FromSeconds(60),
            "the review to end");

        Assert.Equal("succeeded", (string?)status["state"]);
        var report = status["report"]!;
        Assert.Equal(25, (int)report["images"]!);
        var group = Assert.Single(report["near_duplicates"]!.AsArray());
        Assert.Equal(["circles/circles-003.png", "circles/copy.jpg"], group!["images"]!.AsArray().Select(i => (string)i!["path"]!).Order());
        Assert.Equal(0, (int)report["leakage"]!["pairs"]!);
        Assert.Contains(report["health"]!["findings"]!.AsArray(), f => (string?)f!["kind"] == "near-duplicates" && (int)f["count"]! == 1);

        // The Review page as the server first renders it: the health summary, the group and the fix buttons.
        using (var browser = new HttpClient(new Microsoft.AspNetCore.Mvc.Testing.Handlers.CookieContainerHandler { InnerHandler = factory.Server.CreateHandler() })
        {
            BaseAddress = factory.Server.BaseAddress,
        })
        {
            await AdminKey.CreateAsync(browser);
            var html = await browser.GetStringAsync(new Uri("/review/shapes-review", UriKind.Relative));
            Assert.DoesNotContain("An unhandled exception", html, StringComparison.Ordinal);
            foreach (var selector in new[] { "data-testid=\"health-score\"", "data-testid=\"near-duplicates\"", "data-testid=\"keep-one\"", "data-testid=\"leakage\"", "/thumbnail" })
            {
                Assert.Contains(selector, html, StringComparison.Ordinal);
            }
        }

        var unknownFix = await client.PostAsync("/api/datasets/shapes-review/review/fixes", Json.Body(new { fix = "burn-it" }));
        Assert.Contains("is not a fix", (string?)(await Json.ProblemAsync(unknownFix, 400))["detail"], StringComparison.Ordinal);

        var fixedUp = await client.PostAsync("/api/datasets/shapes-review/review/fixes", Json.Body(new { fix = "keep-one-per-group" }));
        Assert.Equal(HttpStatusCode.Created, fixedUp.StatusCode);
        var summary = await Json.ReadAsync(fixedUp);
        Assert.Equal(2, (int)summary["version"]!);
        Assert.Equal(24, (int)summary["images"]!);

        // The new version has no review yet, so a second fix is refused until it is reviewed.
        var stale = await client.PostAsync("/api/datasets/shapes-review/review/fixes", Json.Body(new { fix = "keep-one-per-group" }));
        Assert.Contains("has not been reviewed", (string?)(await Json.ProblemAsync(stale, 409))["detail"], StringComparison.Ordinal);
        var unknown = await client.PostAsync("/api/datasets/no-such-dataset/review", null);
        await Json.ProblemAsync(unknown, 404);
    }
}
