using System.Net.Http.Json;
using Microsoft.Playwright;
using VisionFactory.Testing;

namespace VisionFactory.Browser.Tests;

/// <summary>The Add data dialog's Geo / satellite tab in a real browser against a real <c>vf serve</c>.</summary>
public sealed class GeoJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly TempDirectory temp = new("vf-browser-geo");

    [Fact]
    public async Task ASceneOnTheServerIsCutIntoLabelledChipsFromTheGeoTab()
    {
        var (scene, labels) = SyntheticGeoTiff.WriteForestAndWater(temp.Path);
        var settings = new Dictionary<string, string> { ["Server__ImportRoots__0"] = temp.Path };
        using var server = await VfProcess.StartAsync("server", temp.Combine("data"), null, "all", settings);
        var first = await server.Client.PostAsJsonAsync("/api/datasets/fields/import-jobs/geo", new { path = scene, labels_path = labels, label_property = "landuse" });
        Assert.True(first.IsSuccessStatusCode, await first.Content.ReadAsStringAsync());
        var (context, page) = await browser.SignedInPageAsync(server.Client.BaseAddress!, viewportHeight: 1000);
        await using var _ = context;

        await page.GotoAsync("/datasets/fields");
        await page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.GetByRole(AriaRole.Tab, new() { Name = "Geo / satellite" }).ClickAsync();
        await page.FillAsync("#geo-path", scene);
        await page.FillAsync("#geo-labels", labels);
        await page.FillAsync("#geo-label-property", "landuse");
        await page.FillAsync("#geo-chip", "128");
        await page.FillAsync("#geo-bands", "4,3,2");
        await page.GetByTestId("import-geo").ClickAsync();

        await Assertions.Expect(page.GetByTestId("job-summary")).ToContainTextAsync("Imported 16 chips as version 2", new() { Timeout = 60_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, "30-geo-import.png"), FullPage = true });
    }

    public void Dispose() => temp.Dispose();
}
