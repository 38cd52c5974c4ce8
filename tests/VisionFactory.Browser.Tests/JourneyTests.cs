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

    private static async Task Shot(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, name + ".png"), FullPage = true });

    public void Dispose() => temp.Dispose();
}
