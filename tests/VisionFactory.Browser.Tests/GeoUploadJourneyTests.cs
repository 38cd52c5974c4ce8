using System.Net.Http.Headers;
using Microsoft.Playwright;
using VisionFactory.Testing;

namespace VisionFactory.Browser.Tests;

/// <summary>The Geo / satellite tab's "Upload a scene" in a real browser against a real <c>vf serve</c>: no server path, no import roots.</summary>
public sealed class GeoUploadJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly TempDirectory temp = new("vf-browser-geo-upload");

    [Fact]
    public async Task ASceneFromThisComputerIsUploadedAndCutFromTheGeoTab()
    {
        var (written, labels) = SyntheticGeoTiff.WriteForestAndWater(temp.Path);
        var scene = temp.Combine("field-a.tif");
        File.Move(written, scene);
        using var server = await VfProcess.StartAsync("server", temp.Combine("data"), null, "all");

        // The first version comes through the API's upload, the second through the page.
        using (var form = new MultipartFormDataContent())
        {
            var bytes = new ByteArrayContent(await File.ReadAllBytesAsync(scene));
            bytes.Headers.ContentType = new MediaTypeHeaderValue("image/tiff");
            form.Add(bytes, "scene", "field-a.tif");
            form.Add(new StringContent(await File.ReadAllTextAsync(labels)), "labels", "fields.geojson");
            form.Add(new StringContent("""{"label_property": "landuse"}"""), "options");
            var first = await server.Client.PostAsync(new Uri("/api/datasets/fields/import-jobs/geo", UriKind.Relative), form);
            Assert.True(first.IsSuccessStatusCode, await first.Content.ReadAsStringAsync());
        }

        var (context, page) = await browser.SignedInPageAsync(server.Client.BaseAddress!, viewportHeight: 1200);
        await using var _ = context;

        await page.GotoAsync("/datasets/fields");
        await page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.GetByRole(AriaRole.Tab, new() { Name = "Geo / satellite" }).ClickAsync();
        await page.GetByText("Upload a scene").ClickAsync();
        await page.FillAsync("#geo-label-property", "landuse");
        await page.FillAsync("#geo-chip", "128");
        await page.FillAsync("#geo-bands", "4,3,2");

        // A file that only claims to be a scene is refused with the reader's reason, and fresh inputs take the next try.
        var fake = temp.Combine("holiday.tif");
        await File.WriteAllTextAsync(fake, "<html><body>not a scene</body></html>");
        await page.SetInputFilesAsync("#geo-scene-upload", fake);
        await page.SetInputFilesAsync("#geo-labels-upload", labels);
        await Assertions.Expect(page.GetByTestId("geo-scene-drop")).ToContainTextAsync("Scene: holiday.tif");
        await Assertions.Expect(page.GetByTestId("geo-labels-drop")).ToContainTextAsync("Labels: labels.geojson");
        await page.GetByTestId("import-geo").ClickAsync();
        await Assertions.Expect(page.GetByTestId("problem")).ToContainTextAsync("'holiday.tif' is not a TIFF file");

        await page.SetInputFilesAsync("#geo-scene-upload", scene);
        await page.SetInputFilesAsync("#geo-labels-upload", labels);
        await Assertions.Expect(page.GetByTestId("geo-scene-drop")).ToContainTextAsync("Scene: field-a.tif");
        await Assertions.Expect(page.GetByTestId("geo-labels-drop")).ToContainTextAsync("Labels: labels.geojson");
        await page.GetByTestId("import-geo").ClickAsync();

        await Assertions.Expect(page.GetByTestId("job-summary")).ToContainTextAsync("Imported 16 chips as version 2", new() { Timeout = 60_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, "31-geo-upload.png"), FullPage = true });
        Assert.Empty(Directory.GetDirectories(temp.Combine("data", "tmp"), "geo-upload-*"));
    }

    public void Dispose() => temp.Dispose();
}
