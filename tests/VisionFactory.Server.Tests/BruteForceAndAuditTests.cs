using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>Repeated wrong passwords lock a name out, an address is rate-limited, and the audit log records who did what.</summary>
public sealed class BruteForceAndAuditTests : IAsyncDisposable
{
    private readonly ServerFactory factory = new();

    [Fact]
    public async Task SixtyWrongPasswordsAreLockedOutAndTheRightOneIsRefusedDuringTheLockout()
    {
        using var admin = factory.CreateClient();
        await AccountSecurityTests.CreateUserAsync(admin, "frank", "editor");
        using var attacker = SignedInSession.Open(factory.Server);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 60; i++)
        {
            answers.Add(await attacker.SignInAsync("frank", $"guess number {i:00}"));
        }

        Assert.Equal(5, answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized));
        Assert.All(answers.Skip(5), a => Assert.Equal(HttpStatusCode.TooManyRequests, a.StatusCode));
        Assert.All(answers.Skip(5), a => Assert.True(a.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 429 without Retry-After"));
        var locked = await Json.ProblemAsync(answers[5], 429);
        Assert.Contains("try again in", (string?)locked["detail"], StringComparison.Ordinal);

        var right = await attacker.SignInAsync("frank");
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.Client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task TheSignInPageSaysWhenToTryAgainAndRefusesTheRightPasswordDuringALockout()
    {
        using var admin = factory.CreateClient();
        await AccountSecurityTests.CreateUserAsync(admin, "ivy", "viewer");
        using var browser = SignedInSession.Open(factory.Server);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SignInAsync("ivy", "wrong password " + i)).StatusCode);
        }

        // The sign-in form as a browser posts it, with the right password.
        var form = await browser.Client.GetStringAsync(new Uri("/account/login", UriKind.Relative));
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        using var fields = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "sign-in",
            ["__RequestVerificationToken"] = token,
            ["Input.UserName"] = "ivy",
            ["Input.Password"] = AdminKey.Password,
        });
        var answer = await browser.Client.PostAsync("/account/login", fields);

        Assert.Equal(HttpStatusCode.TooManyRequests, answer.StatusCode);
        Assert.True(answer.Headers.RetryAfter?.Delta > TimeSpan.Zero, "the page's 429 has no Retry-After");
        Assert.Contains("Too many failed sign-ins for this user name; try again in", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task AnUnknownNameLocksOutLikeARealOneSoTheAnswersDoNotTellWhichExists()
    {
        using var admin = factory.CreateClient();
        await AccountSecurityTests.CreateUserAsync(admin, "grace", "viewer");
        using var attacker = SignedInSession.Open(factory.Server);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.SignInAsync("grace", "wrong password " + i)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.SignInAsync("nobody-here", "wrong password " + i)).StatusCode);
        }

        var real = await Json.ProblemAsync(await attacker.SignInAsync("grace", "wrong password 5"), 429);
        var unknown = await Json.ProblemAsync(await attacker.SignInAsync("nobody-here", "wrong password 5"), 429);
        Assert.Equal((string?)real["detail"], (string?)unknown["detail"]);
    }

    [Fact]
    public async Task AnAddressThatTriesTooManySignInsOrKeyRequestsGets429WithRetryAfter()
    {
        await using var limited = new ServerFactory { Settings = { ["Security:SignInAttemptsPerMinute"] = "4", ["Security:ApiKeyRequestsPerMinute"] = "30" } };
        using var admin = limited.CreateClient();
        using var attacker = SignedInSession.Open(limited.Server);

        // Different names each time, so that no account is locked: only the address's allowance is left.
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await attacker.SignInAsync($"name{i}", "wrong password"));
        }

        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.Unauthorized);
        var limitedAnswer = answers[^1];
        var problem = await Json.ProblemAsync(limitedAnswer, 429);
        Assert.Contains("too many requests from your address", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.True(limitedAnswer.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        HttpStatusCode last = HttpStatusCode.OK;
        for (var i = 0; i < 40 && last != HttpStatusCode.TooManyRequests; i++)
        {
            last = (await admin.GetAsync("/api/datasets")).StatusCode;
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, last);
    }

    [Fact]
    public async Task TheAuditLogRecordsSignInsAndChangesAndOnlyAdministratorsReadIt()
    {
        using var admin = factory.CreateClient();
        var henry = await AccountSecurityTests.CreateUserAsync(admin, "henry", "viewer");
        using var session = SignedInSession.Open(factory.Server);
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.SignInAsync("henry", "not the password")).StatusCode);
        (await session.SignInAsync("henry")).EnsureSuccessStatusCode();
        using var viewerKey = await session.KeyClientAsync(factory.Server);
        (await admin.PutAsync($"/api/users/{henry}/role", Json.Body(new { role = "editor" }))).EnsureSuccessStatusCode();
        using (var images = TinyImageFolder.Create(imagesPerClass: 4))
        {
            (await admin.PostAsync("/api/datasets/doomed/imports", Json.Body(new { path = images.Root }))).EnsureSuccessStatusCode();
        }

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/datasets/doomed")).StatusCode);

        var log = (await Json.ReadAsync(await admin.GetAsync("/api/audit?limit=100"))).AsArray();
        bool Has(string action, string actor, string target) =>
            log.Any(e => (string?)e!["action"] == action && (string?)e["actor"] == actor && (string?)e["target"] == target);
        Assert.True(Has("user_created", AdminKey.UserName, "henry"), log.ToJsonString());
        Assert.True(Has("sign_in_failed", "henry", "henry"), log.ToJsonString());
        Assert.True(Has("sign_in", "henry", "henry"), log.ToJsonString());
        Assert.True(Has("key_created", "henry", "script"), log.ToJsonString());
        Assert.True(Has("role_changed", AdminKey.UserName, "henry"), log.ToJsonString());
        Assert.True(Has("dataset_deleted", AdminKey.UserName, "doomed"), log.ToJsonString());
        Assert.Contains(log, e => (string?)e!["detail"] == "role viewer -> editor");
        Assert.Equal(2, (await Json.ReadAsync(await admin.GetAsync("/api/audit?limit=2"))).AsArray().Count);
        await Json.ProblemAsync(await admin.GetAsync("/api/audit?limit=0"), 400);

        // A viewer (a key made while henry was one acts with his role now: editor) cannot read it, nor see the page.
        using var viewer = await factory.CreateClientWithRoleAsync("viewer");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerKey.GetAsync("/api/audit")).StatusCode);
        var page = await factory.PageAsync("/audit");
        Assert.Contains("role viewer -&gt; editor", page, StringComparison.Ordinal);
        Assert.Contains("dataset_deleted", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetUpBoundToATokenNeedsTheOneTheServerLogged()
    {
        var lines = new ConcurrentQueue<string>();
        await using var guarded = new ServerFactory { Settings = { ["Security:RequireSetupToken"] = "true" } };
        await using var host = guarded.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddLogging(l => l.AddProvider(new CollectingLoggerProvider(lines)))));
        using var stranger = new HttpClient(new CookieContainerHandler { InnerHandler = host.Server.CreateHandler() }) { BaseAddress = host.Server.BaseAddress };

        var status = await Json.ReadAsync(await stranger.GetAsync("/api/setup"));
        Assert.True((bool)status["needs_token"]!);
        var logged = Assert.Single(lines, l => l.Contains("one-time token", StringComparison.Ordinal));
        var token = logged.Split("token: ")[1].Split(' ')[0];

        var without = await stranger.PostAsync("/api/setup", Json.Body(new { user_name = "mallory", password = AdminKey.Password }));
        Assert.Contains("set-up token", (string?)(await Json.ProblemAsync(without, 400))["detail"], StringComparison.Ordinal);
        var wrong = await stranger.PostAsync("/api/setup", Json.Body(new { user_name = "mallory", password = AdminKey.Password, setup_token = "0123456789abcdef" }));
        Assert.Contains("token is wrong", (string?)(await Json.ProblemAsync(wrong, 400))["detail"], StringComparison.Ordinal);
        var page = await stranger.GetStringAsync(new Uri("/account/setup", UriKind.Relative));
        Assert.Contains("id=\"setup-token\"", page, StringComparison.Ordinal);

        var created = await stranger.PostAsync("/api/setup", Json.Body(new { user_name = "owner", password = AdminKey.Password, setup_token = token }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    public ValueTask DisposeAsync() => factory.DisposeAsync();

    private sealed class CollectingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Collector(lines);

        public void Dispose()
        {
        }

        private sealed class Collector(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}
