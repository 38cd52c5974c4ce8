using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// The factory and compare pages as the server first renders them for a signed-in user: each renders without an
/// error page, carries the elements the browser journey uses, and shows a missing run, sweep or model inline.
/// </summary>
public sealed class WebPagesTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    private string RunId => (string)fixture.FinishedRun["id"]!;

    [Fact]
    public async Task FactoryPageShowsTheNewRunFormAndTheQueue()
    {
        var html = await fixture.Factory.PageAsync("/factory");

        foreach (var selector in new[]
        {
            "data-testid=\"run-dataset\"", "data-testid=\"run-architecture\"", "data-testid=\"run-mode-head\"", "data-testid=\"run-mode-finetune\"",
            "id=\"run-epochs\"", "id=\"run-batch-size\"", "id=\"run-image-size\"", "id=\"run-learning-rate\"", "id=\"start-run\"", "Expert settings",
            "data-testid=\"run-queue\"",
        })
        {
            Assert.Contains(selector, html, StringComparison.Ordinal);
        }

        Assert.Contains($"/factory/runs/{RunId}", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunPageShowsTheFinalStateItsCurvesAndALinkToItsModel()
    {
        Assert.Equal("succeeded", (string?)fixture.FinishedRun["state"]);
        var html = await fixture.Factory.PageAsync($"/factory/runs/{RunId}");

        Assert.Matches(new Regex("data-testid=\"run-state\"[^>]*>(<[^>]+>)*\\s*succeeded"), html);
        Assert.Contains($"href=\"/models/{fixture.ModelId}\"", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"model-link\"", html, StringComparison.Ordinal);
        foreach (var chart in new[] { "loss-chart", "accuracy-chart", "lr-chart" })
        {
            var points = Regex.Match(html, $"data-testid=\"{chart}\" data-points=\"(\\d+)\"");
            Assert.True(points.Success, $"{chart} is missing");
            Assert.True(int.Parse(points.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, $"{chart} has no points");
        }
    }

    [Fact]
    public async Task ModelPageShowsItsFiguresAndTheImageTest()
    {
        var html = await fixture.Factory.PageAsync($"/models/{fixture.ModelId}");

        Assert.Contains("data-testid=\"confusion-matrix\"", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"per-class\"", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"metric-accuracy\"", html, StringComparison.Ordinal);
        Assert.Matches(new Regex("<input[^>]*id=\"test-image\"[^>]*type=\"file\"|<input[^>]*type=\"file\"[^>]*id=\"test-image\""), html);
        foreach (var colour in TinyImageFolder.ThreeClasses)
        {
            Assert.Contains($"<th scope=\"row\">{colour.Name}</th>", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ComparePageListsTheModel()
    {
        var html = await fixture.Factory.PageAsync("/compare");

        Assert.Contains("data-testid=\"leaderboard\"", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"/models/{fixture.ModelId}\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/factory/runs/r-00000000", "run &#x27;r-00000000&#x27; does not exist")]
    [InlineData("/factory/sweeps/s-00000000", "sweep &#x27;s-00000000&#x27; does not exist")]
    [InlineData("/models/m-00000000", "model &#x27;m-00000000&#x27; does not exist")]
    public async Task SomethingMissingIsAnInlineMessageNotAnErrorPage(string path, string message)
    {
        var html = await fixture.Factory.PageAsync(path);

        Assert.Contains("data-testid=\"problem\"", html, StringComparison.Ordinal);
        Assert.Contains(message, html, StringComparison.OrdinalIgnoreCase);
    }
}
