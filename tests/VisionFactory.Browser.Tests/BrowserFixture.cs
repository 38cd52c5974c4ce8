using Microsoft.Playwright;
using VisionFactory.Testing;

namespace VisionFactory.Browser.Tests;

/// <summary>
/// Debian's Chromium (installed by .ci/run), driven headless by Playwright. Playwright's own browser download does not
/// work on this machine, so the system browser is launched with the flags that keep it off the network.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where each step's screenshot goes (not committed): look at them after a run.</summary>
    public static string Screenshots { get; } = Path.Combine(Path.GetTempPath(), "vf-screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: install Debian's chromium package (.ci/run does)");
        }

        Directory.CreateDirectory(Screenshots);
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>
    /// A page of a new browser context on <paramref name="baseAddress"/>, signed in as the test administrator
    /// (<see cref="AdminKey"/>); dispose the context when done.
    /// </summary>
    public Task<(IBrowserContext Context, IPage Page)> SignedInPageAsync(Uri baseAddress, int viewportHeight) =>
        SignedInPageAsync(baseAddress, viewportHeight, AdminKey.UserName, AdminKey.Password);

    /// <summary>A page of a new browser context, signed in as the given user; dispose the context when done.</summary>
    public async Task<(IBrowserContext Context, IPage Page)> SignedInPageAsync(Uri baseAddress, int viewportHeight, string userName, string password)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = viewportHeight },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync("/account/login");
        await page.FillAsync("#user-name", userName);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync(userName);
        return (context, page);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
    }
}
