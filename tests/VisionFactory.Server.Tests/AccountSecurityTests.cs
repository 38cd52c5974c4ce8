using System.Net;
using VisionFactory.Server;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// Sessions follow their user: a role change, a disable or a password change reaches an open session within the
/// check interval (short here), and a disabled user's keys stop at once. Administrators manage accounts.
/// </summary>
public sealed class AccountSecurityTests : IAsyncDisposable
{
    private const string NewPassword = "a much better passphrase";
    private readonly ServerFactory factory = new() { Settings = { ["Security:SessionCheckInterval"] = "00:00:00.200" } };

    [Fact]
    public async Task ASignedInAdministratorLosesTheAdminRightsWhenTheRoleIsChanged()
    {
        using var admin = factory.CreateClient();
        var bob = await CreateUserAsync(admin, "bob", "admin");
        using var session = SignedInSession.Open(factory.Server);
        (await session.SignInAsync("bob")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await session.Client.GetAsync("/api/users")).StatusCode);

        (await admin.PutAsync($"/api/users/{bob}/role", Json.Body(new { role = "viewer" }))).EnsureSuccessStatusCode();
        await Task.Delay(400);

        var after = await session.Client.GetAsync("/api/users");
        Assert.True(after.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"the old admin session answered {(int)after.StatusCode}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.Client.GetAsync("/api/me")).StatusCode);

        // Signed in again, the session has the new role.
        (await session.SignInAsync("bob")).EnsureSuccessStatusCode();
        Assert.Equal("viewer", (string?)(await Json.ReadAsync(await session.Client.GetAsync("/api/me")))["role"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await session.Client.GetAsync("/api/users")).StatusCode);
    }

    [Fact]
    public async Task ADisabledUsersCookieAndApiKeyAreRefusedUntilEnabledAgain()
    {
        using var admin = factory.CreateClient();
        var carol = await CreateUserAsync(admin, "carol", "editor");
        using var session = SignedInSession.Open(factory.Server);
        (await session.SignInAsync("carol")).EnsureSuccessStatusCode();
        using var script = await session.KeyClientAsync(factory.Server);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/datasets")).StatusCode);

        var disabled = await Json.ReadAsync(await admin.PostAsync($"/api/users/{carol}/disable", null));
        Assert.NotNull(disabled["disabled_at"]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("/api/datasets")).StatusCode);
        await Task.Delay(400);
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.Client.GetAsync("/api/me")).StatusCode);
        var refused = await session.SignInAsync("carol");
        Assert.Contains("disabled", (string?)(await Json.ProblemAsync(refused, 403))["detail"], StringComparison.Ordinal);

        (await admin.PostAsync($"/api/users/{carol}/enable", null)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/datasets")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await session.SignInAsync("carol")).StatusCode);
    }

    [Fact]
    public async Task ChangingTheOwnPasswordEndsTheOtherSessionsAndKeepsThisOne()
    {
        using var admin = factory.CreateClient();
        await CreateUserAsync(admin, "dave", "viewer");
        using var here = SignedInSession.Open(factory.Server);
        using var elsewhere = SignedInSession.Open(factory.Server);
        (await here.SignInAsync("dave")).EnsureSuccessStatusCode();
        (await elsewhere.SignInAsync("dave")).EnsureSuccessStatusCode();

        var wrong = await here.SendAsync(HttpMethod.Post, "/api/auth/password", new { current_password = "not my password", new_password = NewPassword });
        Assert.Contains("current password is wrong", (string?)(await Json.ProblemAsync(wrong, 400))["detail"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await here.SendAsync(HttpMethod.Post, "/api/auth/password", new { current_password = AdminKey.Password, new_password = NewPassword })).StatusCode);
        await Task.Delay(400);

        Assert.Equal(HttpStatusCode.Unauthorized, (await elsewhere.Client.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await here.Client.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await elsewhere.SignInAsync("dave")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.SignInAsync("dave", NewPassword)).StatusCode);
    }

    [Fact]
    public async Task AnAdministratorResetsAPasswordAndDeletesAUserButNotThemselves()
    {
        using var admin = factory.CreateClient();
        var erin = await CreateUserAsync(admin, "erin", "editor");
        using var session = SignedInSession.Open(factory.Server);
        (await session.SignInAsync("erin")).EnsureSuccessStatusCode();
        using var script = await session.KeyClientAsync(factory.Server);

        var weak = await admin.PutAsync($"/api/users/{erin}/password", Json.Body(new { password = "short" }));
        Assert.Contains("at least 10 characters", (string?)(await Json.ProblemAsync(weak, 400))["detail"], StringComparison.Ordinal);
        (await admin.PutAsync($"/api/users/{erin}/password", Json.Body(new { password = NewPassword }))).EnsureSuccessStatusCode();
        await Task.Delay(400);
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.Client.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await session.SignInAsync("erin", NewPassword)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/users/{erin}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("/api/datasets")).StatusCode);
        Assert.DoesNotContain("erin", await admin.GetStringAsync(new Uri("/api/users", UriKind.Relative)), StringComparison.Ordinal);
        await Json.ProblemAsync(await admin.DeleteAsync($"/api/users/{erin}"), 404);

        var me = (string)(await Json.ReadAsync(await admin.GetAsync("/api/me")))["id"]!;
        Assert.Contains("your own account", (string?)(await Json.ProblemAsync(await admin.DeleteAsync($"/api/users/{me}"), 409))["detail"], StringComparison.Ordinal);
        Assert.Contains("your own account", (string?)(await Json.ProblemAsync(await admin.PostAsync($"/api/users/{me}/disable", null), 409))["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreatingTheSameUserManyTimesAtOnceMakesOneAndAnswers409ToTheRest()
    {
        using var admin = factory.CreateClient();
        _ = await admin.GetAsync("/api/users");
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
        {
            using var response = await admin.PostAsync("/api/users", Json.Body(new { user_name = "twin", password = AdminKey.Password }));
            return response.StatusCode;
        }));

        Assert.Equal(1, answers.Count(s => s == HttpStatusCode.Created));
        Assert.All(answers.Where(s => s != HttpStatusCode.Created), s => Assert.Equal(HttpStatusCode.Conflict, s));
    }

    [Fact]
    public async Task OnPostgresARoleChangeEndsTheSessionDuplicatesAnswer409AndTheAuditLogIsKept()
    {
        using var postgres = new PostgresServer();
        await using var host = new ServerFactory
        {
            Settings = { [VisionFactoryWebHost.DatabaseKey] = postgres.CreateDatabase(), ["Security:SessionCheckInterval"] = "00:00:00.200" },
        };
        using var admin = host.CreateClient();
        var ada = await CreateUserAsync(admin, "ada", "admin");
        using var session = SignedInSession.Open(host.Server);
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.SignInAsync("ada", "not her password")).StatusCode);
        (await session.SignInAsync("ada")).EnsureSuccessStatusCode();

        (await admin.PutAsync($"/api/users/{ada}/role", Json.Body(new { role = "viewer" }))).EnsureSuccessStatusCode();
        await Task.Delay(400);
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.Client.GetAsync("/api/users")).StatusCode);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var response = await admin.PostAsync("/api/users", Json.Body(new { user_name = "twin", password = AdminKey.Password }));
            return response.StatusCode;
        }));
        Assert.Equal(1, answers.Count(a => a == HttpStatusCode.Created));
        Assert.All(answers.Where(a => a != HttpStatusCode.Created), a => Assert.Equal(HttpStatusCode.Conflict, a));

        var log = (await Json.ReadAsync(await admin.GetAsync("/api/audit"))).AsArray();
        Assert.Contains(log, e => (string?)e!["action"] == "sign_in_failed" && (string?)e["target"] == "ada");
        Assert.Contains(log, e => (string?)e!["action"] == "role_changed" && (string?)e["detail"] == "role admin -> viewer");
    }

    internal static async Task<string> CreateUserAsync(HttpClient admin, string name, string role)
    {
        var created = await admin.PostAsync("/api/users", Json.Body(new { user_name = name, password = AdminKey.Password, role }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (string)(await Json.ReadAsync(created))["id"]!;
    }

    public ValueTask DisposeAsync() => factory.DisposeAsync();
}
