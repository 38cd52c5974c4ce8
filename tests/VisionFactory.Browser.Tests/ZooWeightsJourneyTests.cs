using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using VisionFactory.Domain.Zoo;
using VisionFactory.Factory;
using VisionFactory.Learning.Architectures;
using VisionFactory.Storage;
using VisionFactory.Storage.Database;
using VisionFactory.Testing;

namespace VisionFactory.Browser.Tests;

/// <summary>
/// The Zoo page's weights button, as an editor uses it: the download shows its progress, the row then shows the stored
/// weights, and the Factory page's run form offers head-only training for that architecture (and not for one without).
/// </summary>
public sealed class ZooWeightsJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private const string Architecture = "shufflenet_v2_x0_5";
    private readonly TempDirectory temp = new("vf-browser-weights");

    [Fact]
    public async Task TheZooPagesButtonDownloadsWithProgressAndHeadOnlyTrainingIsThenOffered()
    {
        var content = Generate();
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        var file = $"shufflenetv2_x0.5-{sha[..10]}.pth";
        using var mirror = new FileMirrorServer { PieceDelay = TimeSpan.FromMilliseconds(40) };
        mirror.Add(file, content);
        var catalog = temp.Combine("catalog.json");
        await File.WriteAllTextAsync(catalog, JsonSerializer.Serialize(new[] { new { architecture = Architecture, file, sha256 = sha } }));
        var data = temp.Combine("data");
        await SeedZooFiguresAsync(data);
        using var server = await VfProcess.StartAsync("server", data, null, "web", new Dictionary<string, string>
        {
            ["Zoo__Weights__Mirror"] = mirror.BaseUri.ToString(),
            ["Zoo__Weights__CatalogFile"] = catalog,
        });
        var (context, page) = await browser.SignedInPageAsync(server.Client.BaseAddress!, 1400);
        await using var _ = context;

        await page.GotoAsync("/zoo");
        await page.GetByTestId("zoo-table").WaitForAsync();
        await page.FillAsync("#zoo-search", "shufflenet");

        // Filtered (the search re-renders the table): only then is the button the one the circuit knows.
        await Assertions.Expect(page.GetByTestId("get-weights-resnet50")).ToHaveCountAsync(0);
        await page.GetByTestId($"get-weights-{Architecture}").ClickAsync();

        await Assertions.Expect(page.GetByTestId($"weights-progress-{Architecture}")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId($"weights-{Architecture}")).ToContainTextAsync("yes (", new() { Timeout = 120_000 });
        await Assertions.Expect(page.GetByTestId($"get-weights-{Architecture}")).ToHaveCountAsync(0);
        Assert.Equal(file, Assert.Single(mirror.Requests).Path);

        await page.GotoAsync("/factory");
        await page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.GetByTestId("run-architecture").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "resnet50", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("run-mode-head")).ToBeDisabledAsync();
        await page.GetByTestId("run-architecture").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = Architecture, Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("run-mode-head")).ToBeEnabledAsync();
    }

    // The zoo's parameters and FLOPs as a previous visit stored them, so that the page does not build all 49 networks
    // first (minutes on 2 cores); this journey is about the weights column.
    private static async Task SeedZooFiguresAsync(string data)
    {
        await using var services = new ServiceCollection().AddScoped(_ => Domain.Users.Caller.Operator()).AddVisionFactory(new DataDirectory(data)).BuildServiceProvider();
        await services.MigrateDatabaseAsync(CancellationToken.None);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        foreach (var architecture in ArchitectureCatalog.Default.All)
        {
            db.ArchitectureProfiles.Add(new ArchitectureProfile { Architecture = architecture.Name, Parameters = 1_000_000, Flops = 1_000_000_000, InputSize = architecture.DefaultImageSize });
        }

        await db.SaveChangesAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    private static byte[] Generate() => GeneratedWeights.Pth(Architecture);

    public void Dispose() => temp.Dispose();
}
