using Microsoft.Playwright;
using SkiaSharp;
using VisionFactory.Testing;

namespace VisionFactory.Browser.Tests;

/// <summary>The operate step in a real browser: a pipeline built from catalog cards, started, watched live, stopped.</summary>
public sealed class OperateJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly TempDirectory temp = new("vf-browser-operate");

    [Fact]
    public async Task APipelineIsBuiltFromCardsStartedAndWatchedLive()
    {
        var frames = Enumerable.Range(0, 10).Select(i => SyntheticImages.Encode(i % 2, i, 64, SKEncodedImageFormat.Jpeg)).ToList();
        await using var camera = await MjpegTestServer.StartAsync(frames, fps: 10);
        using var server = await VfProcess.StartAsync("server", temp.Combine("data"), null, "all", signIn: false);
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.Client.BaseAddress!.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 900 },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync("/");
        await page.FillAsync("#user-name", "ada");
        await page.FillAsync("#password", AdminKey.Password);
        await page.FillAsync("#repeat", AdminKey.Password);
        await page.ClickAsync("#create-admin");
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("ada");

        // The builder starts from camera -> faces -> classify -> store -> alert; with no model yet, classify and alert go.
        await page.GotoAsync("/operate/pipelines/new");
        await Live(page);
        await page.GetByTestId("step-5").GetByRole(AriaRole.Button, new() { Name = "Remove step" }).ClickAsync();
        await page.GetByTestId("step-3").GetByRole(AriaRole.Button, new() { Name = "Remove step" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid^=step-][data-testid$=-component]")).ToHaveCountAsync(3);
        await page.FillAsync("#setting-1-url", camera.StreamUrl.ToString());
        await Shot(page, "20-pipeline-builder");
        await page.GetByTestId("save-pipeline").ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/operate/pipelines/camera$"));
        await Live(page);
        await page.GetByTestId("start-pipeline").ClickAsync();
        await Assertions.Expect(page.GetByTestId("pipeline-state")).ToHaveTextAsync("running");
        await Assertions.Expect(page.Locator("[data-testid=latest-frames] img").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("step-metrics")).ToContainTextAsync("mjpeg_camera");
        await Assertions.Expect(page.GetByText("Haar cascade", new() { Exact = false }).First).ToBeVisibleAsync();
        await Shot(page, "21-pipeline-dashboard");

        await page.GetByTestId("stop-pipeline").ClickAsync();
        await Assertions.Expect(page.GetByTestId("pipeline-state")).ToHaveTextAsync("stopped");
    }

    private static Task Live(IPage page) =>
        page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    private static async Task Shot(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, name + ".png"), FullPage = true });

    public void Dispose() => temp.Dispose();
}
