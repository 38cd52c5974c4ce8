using Microsoft.Playwright;
using VisionFactory.Testing;

namespace VisionFactory.Browser.Tests;

/// <summary>
/// The "Public dataset" tab in a real browser: a catalogued dataset chosen from the list, downloaded from the
/// administrator's mirror (a loopback server), imported as a new dataset with its own split, and opened.
/// </summary>
public sealed class PublicDatasetJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly TempDirectory temp = new("vf-browser-public");

    [Fact]
    public async Task APublicDatasetIsChosenDownloadedFromTheMirrorAndOpened()
    {
        var zip = PublicDatasetFiles.HymenopteraZip(perClassTrain: 4, perClassVal: 2);
        using var mirror = new FileServer(new Dictionary<string, byte[]> { ["hymenoptera_data.zip"] = zip });
        var catalog = temp.Combine("catalog.json");
        PublicDatasetFiles.WriteCatalog(catalog, "hymenoptera", "split-folders-zip",
            new Dictionary<string, byte[]> { ["hymenoptera_data.zip"] = zip }, "https://download.pytorch.org/tutorial");
        using var server = await VfProcess.StartAsync("server", temp.Combine("data"), null, "all", new Dictionary<string, string>
        {
            ["Collect__Public__CatalogFile"] = catalog,
            ["Collect__Public__Mirror"] = mirror.BaseUri.ToString(),
        });
        var (context, page) = await browser.SignedInPageAsync(server.Client.BaseAddress!, 1400);
        await using var _ = context;

        await page.GotoAsync("/datasets");
        await page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.GetByRole(AriaRole.Tab, new() { Name = "Public dataset" }).ClickAsync();
        await page.GetByTestId("public-id").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Test hymenoptera").ClickAsync();
        await Assertions.Expect(page.GetByTestId("public-summary")).ToContainTextAsync("Verified by its published MD5");
        await page.FillAsync("#public-dataset-name", "bugs");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, "31-public-dataset.png"), FullPage = true });
        await page.GetByTestId("import-public").ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/datasets/bugs\\?imported=1$"), new() { Timeout = 60_000 });
        var dataset = await server.GetAsync("/api/datasets/bugs");
        Assert.All(dataset["classes"]!.AsArray(), c => Assert.Equal(2, c!["test"]!.GetValue<int>()));
        Assert.Equal("hymenoptera_data.zip", Assert.Single(mirror.Requests, r => r.Name == "hymenoptera_data.zip").Name);
    }

    public void Dispose() => temp.Dispose();
}
