using Microsoft.Playwright;
using VisionFactory.Testing;

namespace VisionFactory.Browser.Tests;

/// <summary>Stumbles a user meets in the browser: messages that outlive their cause, charts that cannot be read or that run a class name as HTML.</summary>
public sealed class UiJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly TempDirectory temp = new("vf-browser-ui");

    [Fact]
    public async Task TheNewRunFormForgetsChooseTheDatasetOnceOneIsChosen()
    {
        using var server = await StartWithDatasetsAsync("pets", "shapes");
        var (context, page) = await browser.SignedInPageAsync(server.Client.BaseAddress!, 900);
        await using var _ = context;

        await page.GotoAsync("/factory");
        await Live(page);
        await page.ClickAsync("#start-run");
        await Assertions.Expect(page.GetByTestId("problem")).ToHaveTextAsync("Choose the dataset to train on.");

        await page.GetByTestId("run-dataset").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "shapes", Exact = true }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("problem")).ToHaveCountAsync(0);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/factory$"));
    }

    [Fact]
    public async Task TheNewRunFormsMaxGradientNormReachesTheRunAndItsPage()
    {
        using var server = await StartWithDatasetsAsync();
        SyntheticImages.WriteDataset(temp.Combine("clip"), ["a", "b"], perClass: 10);
        await server.PostAsync("/api/datasets/clip/imports", new { path = temp.Combine("clip") });
        var (context, page) = await browser.SignedInPageAsync(server.Client.BaseAddress!, 1400);
        await using var _ = context;

        await page.GotoAsync("/factory");
        await Live(page);
        await page.GetByTestId("run-dataset").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "clip", Exact = true }).ClickAsync();
        await page.GetByTestId("run-architecture").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "small_cnn", Exact = true }).ClickAsync();
        await page.GetByTestId("run-mode-finetune").CheckAsync();
        await page.FillAsync("#run-epochs", "1");
        await page.FillAsync("#run-image-size", "32");
        await page.GetByText("Expert settings").ClickAsync();
        await page.FillAsync("#run-max-grad-norm", "0.75");
        await page.ClickAsync("#start-run");

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/factory/runs/r-[0-9a-f]{8}$"));
        await Assertions.Expect(page.Locator("[data-setting=max_gradient_norm]")).ToHaveTextAsync("max_gradient_norm 0.75");
        var run = await server.GetAsync($"/api/runs/{page.Url.Split('/')[^1]}");
        Assert.Equal(0.75, (double)run["spec"]!["max_gradient_norm"]!);
    }

    [Fact]
    public async Task AModelsChartsShowAPerfectRocItsCalibrationReadableAxesAndClassNamesAsText()
    {
        const string hostile = "<img src=x onerror=alert(1)>";
        var source = temp.Combine("hostile");
        SyntheticImages.WriteDataset(source, [hostile, "plain"], perClass: 12);
        using var server = await VfProcess.StartAsync("server", temp.Combine("data"), null, "all",
            new Dictionary<string, string> { ["Server__ImportRoots__0"] = temp.Path });
        await server.PostAsync("/api/datasets/hostile/imports", new { path = source });
        var started = await server.PostAsync("/api/runs", new { dataset = "hostile", mode = "head", epochs = 10, batch_size = 8, image_size = 32, threads = 2 });
        var run = await server.WaitForRunAsync((string)started["id"]!, r => (string?)r["state"] is "succeeded" or "failed", TimeSpan.FromMinutes(3));
        Assert.Equal("succeeded", (string?)run["state"]);
        var model = (string)run["model"]!;
        var evaluation = await server.GetAsync($"/api/models/{model}/evaluation");
        var hostileClass = evaluation["per_class"]!.AsArray().Single(c => (string?)c!["class"] == hostile)!;
        Assert.True((double?)hostileClass["roc_auc"] == 1.0, $"the model is not perfect, so its ROC is not either: {evaluation.ToJsonString()}");

        var dialogs = new List<string>();
        var (context, page) = await browser.SignedInPageAsync(server.Client.BaseAddress!, 1400);
        await using var _ = context;
        page.Dialog += (_, dialog) => dialogs.Add(dialog.Message);

        // Pages are sent under the policy planned for production (no inline script, no eval): the charts must still draw.
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Add(message.Text);
            }
        };
        await context.RouteAsync("**/*", async route =>
        {
            if (route.Request.ResourceType != "document")
            {
                await route.ContinueAsync();
                return;
            }

            var response = await route.FetchAsync();
            var headers = new Dictionary<string, string>(response.Headers) { ["content-security-policy"] = "script-src 'self'" };
            await route.FulfillAsync(new RouteFulfillOptions { Response = response, Headers = headers });
        });
        await page.GotoAsync($"/models/{model}");
        await Live(page);

        // The ROC chart: one drawn line per class, the perfect one up the left edge and along the top.
        var roc = page.GetByTestId("roc-chart");
        await Assertions.Expect(roc.Locator(".scatterlayer .trace path.js-line")).ToHaveCountAsync(2);
        var area = (await roc.Locator(".draglayer .nsewdrag").BoundingBoxAsync())!;
        var line = Points(await roc.Locator(".scatterlayer .trace path.js-line").First.GetAttributeAsync("d"));
        var (left, bottom) = line[0];
        var top = line.Min(p => p.Y);
        Assert.True(left < area.Width * 0.05 && bottom > area.Height * 0.95, $"the curve starts at ({left}, {bottom}), not the bottom-left corner of {area.Width}x{area.Height}");
        Assert.True(top < area.Height * 0.05, $"the curve never reaches the top: {top}");
        Assert.All(line, p => Assert.True(Math.Abs(p.X - left) < 0.5 || Math.Abs(p.Y - top) < 0.5, $"({p.X}, {p.Y}) is neither on the left edge nor on the top"));
        Assert.True(line[^1].X > area.Width * 0.95, $"the curve ends at x {line[^1].X} of {area.Width}");

        // Axis titles outside the plot area, tick labels of a readable size.
        var xTitle = (await roc.Locator(".g-xtitle text").BoundingBoxAsync())!;
        var yTitle = (await roc.Locator(".g-ytitle text").BoundingBoxAsync())!;
        Assert.True(xTitle.Y >= area.Y + area.Height, $"the x-axis title (top {xTitle.Y}) is inside the plot area (bottom {area.Y + area.Height})");
        Assert.True(yTitle.X + yTitle.Width <= area.X, $"the y-axis title (right {yTitle.X + yTitle.Width}) is inside the plot area (left {area.X})");
        Assert.Equal("false-positive rate", await roc.Locator(".g-xtitle text").TextContentAsync());
        var tickSize = await roc.Locator(".xtick text").First.EvaluateAsync<string>("t => getComputedStyle(t).fontSize");
        Assert.True(double.Parse(tickSize.Replace("px", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) >= 11, $"tick labels are {tickSize}");

        // The class name is shown as the text it is, never run as HTML.
        await Assertions.Expect(roc.Locator(".legendtext").First).ToHaveTextAsync(hostile);
        Assert.Equal(0, await page.Locator(".js-plotly-plot img").CountAsync());

        // The reliability chart shows the confident model's point, marked, beside the diagonal.
        var reliability = page.GetByTestId("reliability-chart");
        await Assertions.Expect(reliability.Locator(".scatterlayer .trace .points path").First).ToBeVisibleAsync();

        // The stress test: a row per change, the class names again as text, and its verdict.
        var stress = page.GetByTestId("stress-test");
        await Assertions.Expect(stress.GetByTestId("stress-table").Locator("tbody tr")).ToHaveCountAsync(7);
        await Assertions.Expect(stress.GetByTestId("stress-table").Locator("thead")).ToContainTextAsync(hostile);
        await Assertions.Expect(stress.Locator("[data-testid=stress-warnings], [data-testid=stress-ok]")).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, "40-model-charts.png"), FullPage = true });

        // The dataset's class balance: a bar per class and split, the class name again as text.
        await page.GotoAsync("/datasets/hostile");
        await Live(page);
        var balance = page.GetByTestId("class-balance");
        await Assertions.Expect(balance.Locator(".barlayer .trace")).ToHaveCountAsync(3);
        await Assertions.Expect(balance.Locator(".xtick text").First).ToHaveTextAsync(hostile);
        Assert.Equal(0, await page.Locator(".js-plotly-plot img").CountAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, "41-class-balance.png"), FullPage = true });
        Assert.Empty(dialogs);
        Assert.Empty(violations);
    }

    // The vertices of an SVG path of straight segments ("M0,180L0,0L270,0").
    private static List<(double X, double Y)> Points(string? path)
    {
        Assert.False(string.IsNullOrEmpty(path), "the line has no path");
        return [.. System.Text.RegularExpressions.Regex.Matches(path, "[ML]([-0-9.e]+),([-0-9.e]+)").Select(m => (
            double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)))];
    }

    private async Task<VfProcess> StartWithDatasetsAsync(params string[] names)
    {
        var server = await VfProcess.StartAsync("server", temp.Combine("data"), null, "all",
            new Dictionary<string, string> { ["Server__ImportRoots__0"] = temp.Path });
        foreach (var name in names)
        {
            SyntheticImages.WriteDataset(temp.Combine(name), ["a", "b"], perClass: 3);
            await server.PostAsync($"/api/datasets/{name}/imports", new { path = temp.Combine(name) });
        }

        return server;
    }

    private static Task Live(IPage page) =>
        page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    public void Dispose() => temp.Dispose();
}
