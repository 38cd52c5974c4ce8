using Microsoft.Playwright;
using VisionFactory.Testing;

namespace VisionFactory.Browser.Tests;

/// <summary>"Add data" in a real browser: a remote FTP folder pulled through the "Remote server" tab (from a real vsftpd), and the recent import jobs shown with their state.</summary>
public sealed class AddDataJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly TempDirectory temp = new("vf-browser-add-data");

    [Fact]
    public async Task ARemoteFolderIsPulledFromTheAddDataDialogAndTheJobsAreListed()
    {
        var zip = temp.Combine("pets.zip");
        SyntheticImages.WriteDataset(temp.Combine("pets"), ["cat", "dog"], perClass: 4);
        System.IO.Compression.ZipFile.CreateFromDirectory(temp.Combine("pets"), zip);
        SyntheticImages.WriteDataset(temp.Combine("ftp", "more"), ["cat", "dog"], perClass: 3, firstStyle: 4);
        using var ftp = new VsftpdServer(temp.Combine("ftp"));
        using var server = await VfProcess.StartAsync("server", temp.Combine("data"), null, "all",
            new Dictionary<string, string> { ["Collect__Remote__AllowedRanges__0"] = "127.0.0.1/32" }, signIn: false);
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.Client.BaseAddress!.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 1400 },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync("/");
        await page.FillAsync("#user-name", "ada");
        await page.FillAsync("#password", AdminKey.Password);
        await page.FillAsync("#repeat", AdminKey.Password);
        await page.ClickAsync("#create-admin");
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("ada");
        await page.GotoAsync("/datasets");
        await Live(page);
        await page.FillAsync("#new-dataset-name", "pets");
        await page.SetInputFilesAsync("#dataset-upload", zip);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/datasets/pets(\\?.*)?$"), new() { Timeout = 60_000 });

        await page.GotoAsync("/datasets/pets");
        await Live(page);
        await Assertions.Expect(page.Locator("[data-testid=import-job][data-state=succeeded]")).ToHaveCountAsync(1);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Remote server" }).ClickAsync();
        await page.FillAsync("#remote-address", ftp.Url("/more"));
        await page.GetByTestId("import-remote").ClickAsync();

        await Assertions.Expect(page.GetByTestId("job-summary")).ToContainTextAsync("Imported 6 images as version 2", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-testid=import-job][data-state=succeeded]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByTestId("import-jobs")).ToContainTextAsync($"ftp://anonymous@127.0.0.1:{ftp.Port}/more");
        await Assertions.Expect(page.GetByTestId("import-jobs")).ToContainTextAsync("ada");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, "30-add-data-remote.png"), FullPage = true });
    }

    private static Task Live(IPage page) =>
        page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    public void Dispose() => temp.Dispose();
}
