using Microsoft.Playwright;
using VisionFactory.Testing;

namespace VisionFactory.Browser.Tests;

/// <summary>Smaller stumbles a user meets in the browser: messages that outlive their cause.</summary>
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
