using Microsoft.Playwright;
using SkiaSharp;
using VisionFactory.Testing;

namespace VisionFactory.Browser.Tests;

/// <summary>
/// Stored XSS and viewers' buttons, as an attacker would try them: hostile names planted in every field that takes
/// free text (class names from folder names, file names, the import's source folder, user names, labels a pipeline
/// stores), then every page that shows them opened by an administrator under the server's own Content-Security-Policy;
/// and the same pages opened by a viewer, who must not see a button that changes anything.
/// </summary>
public sealed class HostileNamesJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private static readonly string[] HostileClasses = ["<img src=x onerror=alert(1)>", "\"><svg onload=alert(2)>", "javascript:alert(3)"];
    private const string HostileFile = "<img src=x onerror=alert(4)>.png";
    private const string HostileFolder = "src <svg onload=alert(5)>";
    private const string HostileUser = "<img/src=x/onerror=alert(6)>";

    // Buttons and panels that change something: an editor's or an administrator's, never a viewer's.
    private const string ChangeControls =
        "[data-testid=train-first-model], [data-testid=relabel], [data-testid=delete-images], [data-testid=delete-dataset], [data-testid=add-images], " +
        "[data-testid=new-dataset], [data-testid=new-pipeline], [data-testid=start-pipeline], [data-testid=stop-pipeline], [data-testid=restart-pipeline], " +
        "[data-testid=edit-pipeline], [data-testid=save-pipeline], [data-testid=test-on-dataset], [data-testid=start-review], [data-testid=regroup-split], " +
        "[data-testid=relabel-all], [data-testid=keep-one], [data-testid=resume-run], #start-run, #start-sweep, [aria-label^='Cancel run'], " +
        "[aria-label^='Resume run'], [data-testid=add-user], [data-testid=camera-networks], [data-testid=external-test-save], [data-testid=queue-cancel], [data-testid=cancel-import]";

    // What the page holds that a hostile name could have become: inline handlers, the planted image, script links.
    private const string InjectedScript = """
        () => ({
            handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes].filter(a => a.name.toLowerCase().startsWith('on')).map(a => `${e.tagName} ${a.name}=${a.value}`)),
            planted: [...document.querySelectorAll('img')].filter(i => i.getAttribute('src') === 'x').length,
            links: [...document.querySelectorAll('[href], [src], [action], [formaction]')]
                .filter(e => ['href', 'src', 'action', 'formaction'].some(n => /^\s*javascript:/i.test(e.getAttribute(n) ?? ''))).map(e => e.outerHTML),
            violations: window.vfViolations ?? [],
        })
        """;

    private readonly TempDirectory temp = new("vf-browser-hostile");

    [Fact]
    public async Task HostileNamesShowAsTextOnEveryPageUnderTheServersPolicyAndAViewerSeesNoButtonThatChangesAnything()
    {
        // Plant: class folders, a file and the source folder with hostile names; a user named like an image tag.
        var source = temp.Combine(HostileFolder);
        SyntheticImages.WriteDataset(source, HostileClasses, perClass: 12);
        File.Move(Path.Combine(source, HostileClasses[0], "000.png"), Path.Combine(source, HostileClasses[0], HostileFile));
        // The test camera is on loopback: the administrator allows that range for cameras (where cameras are guarded).
        using var server = await VfProcess.StartAsync("server", temp.Combine("data"), null, "all",
            new Dictionary<string, string> { ["Server__ImportRoots__0"] = temp.Path, ["Pipelines__CameraAllowedNetworks__0"] = "127.0.0.0/8" });
        await server.PostAsync("/api/datasets/hostile/imports", new { path = source });
        await server.PostAsync("/api/datasets/hostile/review", new { hashes_only = true });
        var started = await server.PostAsync("/api/runs", new { dataset = "hostile", mode = "head", epochs = 3, batch_size = 8, image_size = 32, threads = 2 });
        var run = (string)started["id"]!;
        var finished = await server.WaitForRunAsync(run, r => (string?)r["state"] is "succeeded" or "failed", TimeSpan.FromMinutes(4));
        Assert.Equal("succeeded", (string?)finished["state"]);
        var model = (string)finished["model"]!;
        await using var camera = await MjpegTestServer.StartAsync([.. Enumerable.Range(0, 6).Select(i => SyntheticImages.Encode(i % 3, i, 64, SKEncodedImageFormat.Jpeg))], fps: 10);
        await server.PostAsync("/api/pipelines", new
        {
            name = "lobby",
            steps = new object[]
            {
                new { component = "mjpeg_camera", settings = new { url = camera.StreamUrl.ToString() } },
                new { component = "classify", settings = new { model } },
                new { component = "results_store" },
                // A step setting a user types (the alert's label, shown in the alert on the live view): hostile too.
                new { component = "alert", settings = new { label = HostileClasses[0], min_confidence = 0.0, consecutive_frames = 1 } },
            },
        });
        await server.PostAsync("/api/pipelines/lobby/start", new { });
        await server.PostAsync("/api/users", new { user_name = HostileUser, password = AdminKey.Password, role = "viewer" });

        string[] pages =
        [
            "/", "/datasets", "/datasets/hostile", "/review/hostile", "/factory", $"/factory/runs/{run}", $"/models/{model}", "/compare",
            $"/compare/models?ids={model}", "/operate", "/operate/pipelines/lobby", "/operate/pipelines/lobby/edit", "/settings",
        ];

        // The administrator's own pages, where user names show (a viewer is not let in).
        string[] adminPages = ["/users", "/audit"];

        // The administrator: every page under the server's policy, names shown as text, nothing injected or blocked.
        var changeControls = new Dictionary<string, int>(StringComparer.Ordinal);
        var (context, page) = await browser.SignedInPageAsync(server.Client.BaseAddress!, 1400);
        await using (context)
        {
            var seen = await Watch(context, page);
            foreach (var path in (string[])[.. pages, .. adminPages])
            {
                await OpenAsync(page, path, seen);
                changeControls[path] = await page.Locator(ChangeControls).CountAsync();
            }

            await page.GotoAsync("/datasets/hostile");
            await Live(page);
            foreach (var name in HostileClasses)
            {
                await Assertions.Expect(page.Locator("body")).ToContainTextAsync(name);
            }

            // The live view shows the alert that names the hostile label, as text.
            await page.GotoAsync("/operate/pipelines/lobby");
            await Live(page);
            await Assertions.Expect(page.GetByTestId("alert").First).ToContainTextAsync(HostileClasses[0], new() { Timeout = 60_000 });

            await page.GotoAsync("/users");
            await Live(page);
            await Assertions.Expect(page.GetByTestId("users")).ToContainTextAsync(HostileUser);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, "50-hostile-names.png"), FullPage = true });
            Assert.Empty(seen.Dialogs);
            Assert.Empty(seen.Violations);
        }

        // The selectors find the administrator's buttons where there are some, so their absence below means something.
        foreach (var path in (string[])["/datasets", "/datasets/hostile", "/review/hostile", "/factory", "/operate", "/operate/pipelines/lobby", "/operate/pipelines/lobby/edit", "/settings"])
        {
            Assert.True(changeControls[path] > 0, $"the administrator sees no change control on {path}");
        }

        // The viewer (named like an image tag, shown as text in the app bar): the same pages, no control that changes anything.
        var (viewerContext, viewer) = await browser.SignedInPageAsync(server.Client.BaseAddress!, 1400, HostileUser, AdminKey.Password);
        await using (viewerContext)
        {
            var seen = await Watch(viewerContext, viewer);
            foreach (var path in pages)
            {
                await OpenAsync(viewer, path, seen);
                var visible = await viewer.Locator(ChangeControls).EvaluateAllAsync<string[]>("es => es.map(e => e.outerHTML.slice(0, 160))");
                Assert.True(visible.Length == 0, $"a viewer sees change controls on {path}: {string.Join(" | ", visible)}");
            }

            await viewer.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, "51-viewer-operate.png"), FullPage = true });
            Assert.Empty(seen.Dialogs);
            Assert.Empty(seen.Violations);
        }
    }

    /// <summary>Collects the page's dialogs and every policy violation it reports (console and securitypolicyviolation events).</summary>
    private static async Task<(List<string> Dialogs, List<string> Violations)> Watch(IBrowserContext context, IPage page)
    {
        var dialogs = new List<string>();
        var violations = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            _ = dialog.DismissAsync();
        };
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Add(message.Text);
            }
        };
        await context.AddInitScriptAsync(
            "window.vfViolations = []; document.addEventListener('securitypolicyviolation', e => window.vfViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));");
        return (dialogs, violations);
    }

    /// <summary>Opens a page, checks it came with the server's policy, lets its charts draw, and looks for anything a name became.</summary>
    private static async Task OpenAsync(IPage page, string path, (List<string> Dialogs, List<string> Violations) seen)
    {
        var response = await page.GotoAsync(path);
        Assert.NotNull(response);
        var policy = await response.HeaderValueAsync("content-security-policy");
        Assert.True(policy is not null && policy.Split(';', StringSplitOptions.TrimEntries).Contains("script-src 'self'"), $"{path} was sent without script-src 'self': {policy}");
        await Live(page);
        await page.WaitForTimeoutAsync(1500);
        var found = await page.EvaluateAsync<System.Text.Json.JsonElement>(InjectedScript);
        var handlers = Strings(found, "handlers");
        var links = Strings(found, "links");
        Assert.True(handlers.Count == 0, $"{path} has inline handlers: {string.Join(" | ", handlers)}");
        Assert.True(found.GetProperty("planted").GetInt32() == 0, $"{path} has the planted <img src=x>");
        Assert.True(links.Count == 0, $"{path} has javascript: links: {string.Join(" | ", links)}");
        seen.Violations.AddRange(Strings(found, "violations").Select(v => $"{path}: {v}"));
    }

    private static Task Live(IPage page) =>
        page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    private static List<string> Strings(System.Text.Json.JsonElement found, string name) =>
        [.. found.GetProperty(name).EnumerateArray().Select(e => e.GetString() ?? "")];

    public void Dispose() => temp.Dispose();
}
