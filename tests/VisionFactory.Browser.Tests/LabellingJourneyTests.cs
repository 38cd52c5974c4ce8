using Microsoft.Playwright;
using VisionFactory.Testing;

namespace VisionFactory.Browser.Tests;

/// <summary>
/// The labelling grid in a real browser: camera frames imported into the pool, chosen with a click and a shift-click,
/// labelled with a number key, a labelled image excluded with x, saved as a new version, and the save undone.
/// </summary>
public sealed class LabellingJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly TempDirectory temp = new("vf-browser-labelling");

    [Fact]
    public async Task PoolImagesAreLabelledWithKeysInTheGridSavedAsAVersionAndTheSaveIsUndone()
    {
        SyntheticImages.WriteDataset(temp.Combine("pets"), ["cat", "dog"], perClass: 4);
        SyntheticImages.WriteDataset(temp.Combine("frames"), ["camera"], perClass: 3, firstStyle: 10);
        using var server = await VfProcess.StartAsync("server", temp.Combine("data"), null, "all",
            new Dictionary<string, string> { ["Server__ImportRoots__0"] = temp.Path });
        await server.PostAsync("/api/datasets/pets/imports", new { path = temp.Combine("pets") });
        await server.PostAsync("/api/datasets/pets/import-jobs", new { path = temp.Combine("frames"), unlabelled = true });
        await Eventually.TrueAsync(async () => (int?)(await server.GetAsync("/api/datasets/pets"))["unlabelled"] == 3, TimeSpan.FromSeconds(30), "the frames to join the pool");

        var (context, page) = await browser.SignedInPageAsync(server.Client.BaseAddress!, 1200);
        await using (context)
        {
            await page.GotoAsync("/datasets/pets");
            await Live(page);
            await Assertions.Expect(page.GetByTestId("unlabelled-count")).ToContainTextAsync("3 unlabelled images in the pool");
            await page.GetByTestId("label-link").ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/datasets/pets/label$"));
            await Live(page);
            await Assertions.Expect(page.GetByTestId("labelling-counts")).ToContainTextAsync("8 labelled, 3 unlabelled");

            // Images without a class come first: choose the three with a click and a shift-click, then press 2 (dog).
            var tiles = page.GetByTestId("label-tile");
            await Assertions.Expect(tiles).ToHaveCountAsync(11);
            await Assertions.Expect(tiles.Nth(0)).ToContainTextAsync("unlabelled");
            await tiles.Nth(0).ClickAsync();
            await tiles.Nth(2).ClickAsync(new LocatorClickOptions { Modifiers = [KeyboardModifier.Shift] });
            await Assertions.Expect(page.GetByTestId("labelling-range")).ToContainTextAsync("3 chosen");
            await page.Keyboard.PressAsync("2");
            await Assertions.Expect(page.GetByTestId("pending-count")).ToHaveTextAsync("3 pending changes");
            await Assertions.Expect(page.GetByTestId("pending-change")).ToHaveCountAsync(3);
            await Assertions.Expect(page.GetByTestId("pending-change").First).ToHaveTextAsync("→ dog");

            // A labelled cat: chosen alone, excluded with x.
            await tiles.Nth(3).ClickAsync();
            await Assertions.Expect(page.GetByTestId("labelling-range")).ToContainTextAsync("1 chosen");
            await page.Keyboard.PressAsync("x");
            await Assertions.Expect(page.GetByTestId("pending-count")).ToHaveTextAsync("4 pending changes");

            await page.GetByTestId("save-labels").ClickAsync();
            await Assertions.Expect(page.GetByTestId("labels-saved")).ToContainTextAsync(
                "Version 3: version 2 with 3 images of the pool labelled (3 'dog'); 1 image excluded");
            await Assertions.Expect(page.GetByTestId("labelling-counts")).ToContainTextAsync("10 labelled, 0 unlabelled");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, "60-labelling-saved.png"), FullPage = true });
            var saved = await server.GetAsync("/api/datasets/pets");
            Assert.Equal(3, (int)saved["version"]!);
            Assert.Equal(7, (int)saved["classes"]![1]!["images"]!);

            await page.GetByTestId("undo").ClickAsync();
            await Assertions.Expect(page.GetByTestId("labelling-version")).ToHaveTextAsync("version 4");
            await Assertions.Expect(page.GetByTestId("labelling-counts")).ToContainTextAsync("8 labelled, 3 unlabelled");
            var undone = await server.GetAsync("/api/datasets/pets");
            Assert.Equal(3, (int)undone["unlabelled"]!);
            Assert.Equal(4, (int)undone["classes"]![1]!["images"]!);
        }
    }

    private static Task Live(IPage page) =>
        page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    public void Dispose() => temp.Dispose();
}
