using Microsoft.Playwright;
using VisionFactory.Testing;

namespace VisionFactory.Browser.Tests;

/// <summary>
/// A new user's journey through the web UI in a real browser against a real <c>vf serve</c>. Each step saves a
/// screenshot under <see cref="BrowserFixture.Screenshots"/>.
/// </summary>
public sealed class JourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly TempDirectory temp = new("vf-browser");

    [Fact]
    public async Task FirstRunSetUpThenSignOutAndSignInAgain()
    {
        using var server = await VfProcess.StartAsync("server", temp.Combine("data"), null, "all", signIn: false);
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = server.Client.BaseAddress!.ToString() });
        var page = await context.NewPageAsync();

        // A fresh installation sends the first visitor to set-up, whatever page they asked for.
        await page.GotoAsync("/");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/setup$"));
        await page.FillAsync("#user-name", "ada");
        await page.FillAsync("#password", "short");
        await page.FillAsync("#repeat", "short");
        await page.ClickAsync("#create-admin");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("at least 10 characters");
        await Shot(page, "01-setup-error");

        await page.FillAsync("#password", AdminKey.Password);
        await page.FillAsync("#repeat", AdminKey.Password);
        await page.ClickAsync("#create-admin");
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("ada");
        await Shot(page, "02-overview");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await page.FillAsync("#user-name", "ada");
        await page.FillAsync("#password", "not the password");
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Wrong user name or password.");
        await page.FillAsync("#password", AdminKey.Password);
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("ada");
        await Shot(page, "03-signed-in");
    }

    [Fact]
    public async Task ANewUserGoesFromAZipOfPhotosToATestedModel()
    {
        var zip = temp.Combine("shapes.zip");
        SyntheticImages.WriteDataset(temp.Combine("shapes"), ["circle", "square"], perClass: 10);
        System.IO.Compression.ZipFile.CreateFromDirectory(temp.Combine("shapes"), zip);
        using var server = await VfProcess.StartAsync("server", temp.Combine("data"), null, "all", signIn: false);
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.Client.BaseAddress!.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 900 },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);

        // First run: the administrator is created, and is signed in.
        await page.GotoAsync("/");
        await page.FillAsync("#user-name", "grace");
        await page.FillAsync("#password", AdminKey.Password);
        await page.FillAsync("#repeat", AdminKey.Password);
        await page.ClickAsync("#create-admin");
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("grace");
        await Shot(page, "10-first-run");

        // Data: a new dataset from a zip of 20 small images.
        await page.GotoAsync("/datasets");
        await Live(page);
        await page.FillAsync("#new-dataset-name", "shapes");
        await page.SetInputFilesAsync("#dataset-upload", zip);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/datasets/shapes(\\?.*)?$"), new() { Timeout = 60_000 });
        await Live(page);
        await Assertions.Expect(page.GetByTestId("import-finished")).ToContainTextAsync("20 images in 2 classes");
        await Assertions.Expect(page.GetByTestId("class-balance")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("image-grid").Locator("img").First).ToBeVisibleAsync();
        await Shot(page, "11-dataset");

        // Factory: a 1-epoch run of a small model.
        await page.GotoAsync("/factory");
        await Live(page);
        await page.GetByTestId("run-architecture").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "small_cnn", Exact = true }).ClickAsync();
        await page.GetByTestId("run-mode-finetune").CheckAsync();
        await page.FillAsync("#run-epochs", "1");
        await page.FillAsync("#run-image-size", "32");
        await page.FillAsync("#run-batch-size", "4");
        await Shot(page, "12-new-run");
        await page.ClickAsync("#start-run");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/factory/runs/r-[0-9a-f]{8}$"));
        await Live(page);

        // The run page's charts receive points, and the run finishes.
        await Assertions.Expect(page.GetByTestId("loss-chart")).Not.ToHaveAttributeAsync("data-points", "0", new() { Timeout = 120_000 });
        await Assertions.Expect(page.GetByTestId("run-state")).ToHaveTextAsync("succeeded", new() { Timeout = 120_000 });
        // A series of several points is a line; a series of one point (a fast epoch sampled once) is a marker.
        var drawn = page.Locator("[data-testid=loss-chart] .scatterlayer .trace").Locator("path.js-line, path.point").Filter(new() { Visible = true });
        await Assertions.Expect(drawn.First).ToBeVisibleAsync();
        await Shot(page, "13-run-finished");

        // Compare: the model's confusion matrix, then one image tested.
        await page.GetByTestId("model-link").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/models/m-[0-9a-f]{8}$"));
        await Live(page);
        var matrix = page.GetByTestId("confusion-matrix");
        await Assertions.Expect(matrix).ToBeVisibleAsync();
        await Assertions.Expect(matrix.Locator("tbody th[scope=row]")).ToHaveCountAsync(2);
        await Shot(page, "14-model");

        var photo = temp.Combine("photo.png");
        await File.WriteAllBytesAsync(photo, SyntheticImages.Encode(classIndex: 1, variant: 99));
        await page.SetInputFilesAsync("#test-image", photo);
        await Assertions.Expect(page.GetByTestId("prediction")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(circle|square)$"), new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-testid=confidence]")).ToHaveCountAsync(2);
        await Shot(page, "15-tested-image");

        // What decided it: the Grad-CAM overlay; and the images behind a confusion-matrix cell.
        await Assertions.Expect(page.GetByTestId("explanation")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await matrix.Locator("[data-testid=confusion-cell]").First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("cell-title")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Shot(page, "15b-explained-and-cell");

        // The one-click path: from the dataset, a head-only run on the pretrained ResNet.
        await page.GotoAsync("/datasets/shapes");
        await Live(page);
        await page.GetByTestId("train-first-model").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/factory/runs/r-[0-9a-f]{8}$"));
        await Assertions.Expect(page.GetByTestId("run-state")).ToHaveTextAsync("succeeded", new() { Timeout = 120_000 });
        await Shot(page, "16-first-model");
    }

    /// <summary>Waits until the page's circuit is connected: clicks before that are lost.</summary>
    private static Task Live(IPage page) =>
        page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    private static async Task Shot(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, name + ".png"), FullPage = true });

    public void Dispose() => temp.Dispose();
}
