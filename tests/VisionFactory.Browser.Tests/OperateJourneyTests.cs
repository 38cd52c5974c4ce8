using Microsoft.Playwright;
using SkiaSharp;
using VisionFactory.Testing;

namespace VisionFactory.Browser.Tests;

/// <summary>The operate step in a real browser: a pipeline built from catalog cards, started, watched live, stopped, and audited.</summary>
public sealed class OperateJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly TempDirectory temp = new("vf-browser-operate");

    [Fact]
    public async Task APipelineIsBuiltFromCardsStartedWatchedLiveAndItsStartIsAuditedWithTheBrowsersAddress()
    {
        var frames = Enumerable.Range(0, 10).Select(i => SyntheticImages.Encode(i % 2, i, 64, SKEncodedImageFormat.Jpeg)).ToList();
        await using var camera = await MjpegTestServer.StartAsync(frames, fps: 10);
        // The test camera is on loopback: the administrator allows that range for cameras.
        var settings = new Dictionary<string, string> { ["Pipelines__CameraAllowedNetworks__0"] = "127.0.0.0/8" };
        using var server = await VfProcess.StartAsync("server", temp.Combine("data"), null, "all", settings, signIn: false);
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

        // What the administrator did in the UI is in the audit log once, with her name and the browser's address.
        await page.GotoAsync("/users");
        await Live(page);
        await page.Locator("input[data-testid=new-user-name], [data-testid=new-user-name] input").FillAsync("bob");
        await page.Locator("input[data-testid=new-user-password], [data-testid=new-user-password] input").FillAsync(AdminKey.Password);
        await page.GetByTestId("add-user").ClickAsync();
        await Assertions.Expect(page.GetByTestId("notice")).ToHaveTextAsync("bob was added.");
        await page.GotoAsync("/audit");
        var rows = page.GetByTestId("audit-row");
        var started = rows.Filter(new() { HasText = "pipeline_started" });
        await Assertions.Expect(started).ToHaveCountAsync(1);
        await Assertions.Expect(started.Locator("td")).ToHaveTextAsync(Cells("pipeline_started", "ada", "camera", "", "127.0.0.1"));
        var created = rows.Filter(new() { HasText = "user_created" });
        await Assertions.Expect(created.Locator("td")).ToHaveTextAsync(Cells("user_created", "ada", "bob", "role viewer", "127.0.0.1"));
    }

    [Fact]
    public async Task SavingWithoutAModelSaysSoBesideTheSaveButtonAndTheAssistantsModelFillsTheStep()
    {
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

        await page.GotoAsync("/operate/pipelines/new");
        await Live(page);
        await page.GetByTestId("step-5").GetByRole(AriaRole.Button, new() { Name = "Remove step" }).ClickAsync();
        await page.FillAsync("#setting-1-url", "http://camera.local/video.mjpg");
        await page.GetByTestId("save-pipeline").ClickAsync();

        var problems = page.GetByTestId("save-problems");
        await Assertions.Expect(problems).ToContainTextAsync("step 3 'classify' (classify): needs a model (setting 'model'): choose one", new() { IgnoreCase = true });
        await Assertions.Expect(problems).ToBeInViewportAsync();
        await Assertions.Expect(problems).Not.ToContainTextAsync("Required properties");
        await Shot(page, "22-pipeline-save-problem");

        // The assistant's "Build a pipeline with ..." lands on a builder whose classify step holds its model.
        await page.GotoAsync("/operate/pipelines/new?model=m-0123abcd");
        await Live(page);
        await Assertions.Expect(page.Locator("#setting-3-model")).ToHaveValueAsync("m-0123abcd");
        await page.FillAsync("#setting-1-url", "http://camera.local/video.mjpg");
        await page.GetByTestId("step-5").GetByRole(AriaRole.Button, new() { Name = "Remove step" }).ClickAsync();
        await page.GetByTestId("save-pipeline").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/operate/pipelines/camera$"));
    }

    /// <summary>An audit row's cells: any time, then exactly these texts.</summary>
    private static System.Text.RegularExpressions.Regex[] Cells(params string[] texts) =>
        [new(@"^\d{4}-\d\d-\d\d "), .. texts.Select(t => new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(t) + "$"))];

    private static Task Live(IPage page) =>
        page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    private static async Task Shot(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, name + ".png"), FullPage = true });

    public void Dispose() => temp.Dispose();
}
