using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Storage.Database;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>Users, roles and API keys: every API route is covered, and sign-in works as a person would use it.</summary>
public sealed class AuthTests : IAsyncDisposable
{
    private static readonly string[] Anonymous = ["GET /api/setup", "POST /api/setup", "POST /api/auth/login"];

    // The Compare step's routes, named so that the walk below is known to cover them.
    private static readonly string[] CompareRoutes =
    [
        "GET /api/models/compare", "GET /api/models/leaderboard", "GET /api/datasets/{name}/leaderboard", "GET /api/models/{id}/mistakes",
        "GET /api/models/{id}/confusion", "POST /api/models/{id}/explanations", "GET /api/models/{id}/explanations/{sha256}",
        "POST /api/models/{id}/classifications",
    ];

    // Import jobs' routes (durable jobs, cancel), named so that the walk below is known to cover them.
    private static readonly string[] ImportJobRoutes =
    [
        "POST /api/datasets/{name}/import-jobs", "GET /api/import-jobs", "GET /api/import-jobs/{id:guid}", "POST /api/import-jobs/{id:guid}/cancel",
    ];
    private readonly ServerFactory factory = new();

    [Fact]
    public async Task EveryApiRouteRefusesAnonymousCallersAndCallersWithoutTheRole()
    {
        _ = factory.AdminApiKey;
        using var anonymous = factory.CreateAnonymousClient();
        using var viewer = await factory.CreateClientWithRoleAsync("viewer");
        using var editor = await factory.CreateClientWithRoleAsync("editor");
        var routes = Routes();
        Assert.True(routes.Count > 25, $"only {routes.Count} API routes were found");
        Assert.Contains(routes, r => r.Method == "POST" && r.Template == "/api/pipelines/{name}/start");
        Assert.Contains(routes, r => r.Method == "GET" && r.Template == "/api/pipelines/{name}/results/{id}/thumbnail");
        Assert.Contains(routes, r => r.Method == "POST" && r.Template == "/api/predict");
        Assert.Empty(CompareRoutes.Except(routes.Select(r => $"{r.Method} {r.Template}")));
        Assert.Empty(ImportJobRoutes.Except(routes.Select(r => $"{r.Method} {r.Template}")));

        foreach (var (method, path) in routes.Where(r => !Anonymous.Contains($"{r.Method} {r.Template}")).Select(r => (r.Method, r.Path)))
        {
            using var asAnonymous = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.True(asAnonymous.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} answered {(int)asAnonymous.StatusCode} to an anonymous caller");

            var adminOnly = path.StartsWith("/api/users", StringComparison.Ordinal) || path.StartsWith("/api/audit", StringComparison.Ordinal)
                || path.StartsWith("/api/settings", StringComparison.Ordinal) || path.StartsWith("/api/admin", StringComparison.Ordinal);
            var changes = method is not "GET" && !path.StartsWith("/api/keys", StringComparison.Ordinal) && !path.StartsWith("/api/auth", StringComparison.Ordinal);
            using var asViewer = await viewer.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            if (adminOnly || changes)
            {
                Assert.True(asViewer.StatusCode == HttpStatusCode.Forbidden, $"{method} {path} answered {(int)asViewer.StatusCode} to a viewer");
            }
            else
            {
                Assert.True(asViewer.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{method} {path} refused a viewer");
            }

            using var asEditor = await editor.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.True(
                adminOnly == (asEditor.StatusCode == HttpStatusCode.Forbidden),
                $"{method} {path} answered {(int)asEditor.StatusCode} to an editor");
        }

        using var hub = await anonymous.PostAsync("/hubs/runs/negotiate?negotiateVersion=1", null);
        Assert.Equal(HttpStatusCode.Unauthorized, hub.StatusCode);
    }

    [Fact]
    public void DatasetReviewRoutesAreAmongTheCoveredRoutes()
    {
        var routes = Routes().Select(r => $"{r.Method} {r.Template}").ToList();

        Assert.Contains("POST /api/datasets/{name}/review", routes);
        Assert.Contains("GET /api/datasets/{name}/review", routes);
        Assert.Contains("POST /api/datasets/{name}/review/fixes", routes);
    }

    [Fact]
    public void GeoImportRouteIsAmongTheCoveredRoutes()
    {
        Assert.Contains("POST /api/datasets/{name}/import-jobs/geo", Routes().Select(r => $"{r.Method} {r.Template}"));
    }

    [Fact]
    public async Task FirstRunSetUpSignInAndTheAntiforgeryTokenWorkAsAPersonUsesThem()
    {
        using var browser = new HttpClient(new CookieContainerHandler { InnerHandler = factory.Server.CreateHandler() }) { BaseAddress = factory.Server.BaseAddress };
        Assert.True((bool)(await Json.ReadAsync(await browser.GetAsync("/api/setup")))["needs_setup"]!);

        var weak = await browser.PostAsync("/api/setup", Json.Body(new { user_name = "ada", password = "short" }));
        Assert.Contains("at least 10 characters", (string?)(await Json.ProblemAsync(weak, 400))["detail"], StringComparison.Ordinal);

        var created = await browser.PostAsync("/api/setup", Json.Body(new { user_name = "ada", password = AdminKey.Password }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("admin", (string?)(await Json.ReadAsync(created))["role"]);
        using var stranger = factory.CreateAnonymousClient();
        var again = await stranger.PostAsync("/api/setup", Json.Body(new { user_name = "eve", password = AdminKey.Password }));
        Assert.Contains("set-up is done", (string?)(await Json.ProblemAsync(again, 409))["detail"], StringComparison.Ordinal);

        // Signed in by the set-up: reads work; a change needs the anti-forgery token as well as the cookie.
        Assert.Equal("ada", (string?)(await Json.ReadAsync(await browser.GetAsync("/api/me")))["user_name"]);
        var forged = await browser.PostAsync("/api/keys", Json.Body(new { name = "k" }));
        Assert.Contains("anti-forgery token", (string?)(await Json.ProblemAsync(forged, 400))["detail"], StringComparison.Ordinal);
        var token = await Json.ReadAsync(await browser.GetAsync("/api/auth/antiforgery"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/keys") { Content = Json.Body(new { name = "k" }) };
        request.Headers.Add((string)token["header_name"]!, (string)token["token"]!);
        var key = await Json.ReadAsync(await browser.SendAsync(request));
        var secret = (string)key["key"]!;
        Assert.StartsWith("vf_", secret, StringComparison.Ordinal);

        // The key works until it is revoked, and only its hash is stored.
        using var script = factory.CreateAnonymousClient();
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/runs")).StatusCode);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<VisionFactoryDb>().ApiKeys.AsNoTracking().ToListAsync();
            Assert.DoesNotContain(stored, k => k.Hash.Contains(secret[3..], StringComparison.Ordinal) || secret.Contains(k.Hash, StringComparison.Ordinal));
        }

        Assert.Equal(HttpStatusCode.NoContent, (await script.DeleteAsync($"/api/keys/{(string)key["api_key"]!["id"]!}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("/api/runs")).StatusCode);

        // Signing out ends the session; a wrong password says so without saying which part was wrong.
        using var signOut = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout");
        signOut.Headers.Add((string)token["header_name"]!, (string)token["token"]!);
        Assert.Equal(HttpStatusCode.NoContent, (await browser.SendAsync(signOut)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/me")).StatusCode);
        var wrong = await browser.PostAsync("/api/auth/login", Json.Body(new { user_name = "ada", password = "not the password" }));
        Assert.Equal("wrong user name or password", (string?)(await Json.ProblemAsync(wrong, 401))["detail"]);
    }

    private List<(string Method, string Template, string Path)> Routes()
    {
        var sources = factory.Services.GetRequiredService<EndpointDataSource>();
        return sources.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, e.RoutePattern.RawText!)))
            .Select(r => (r.m, r.Item2.TrimEnd('/'), Fill(r.Item2.TrimEnd('/'))))
            .Distinct()
            .ToList();
    }

    private static string Fill(string template) =>
        System.Text.RegularExpressions.Regex.Replace(template, @"\{(\w+)(:(\w+))?\}", m => m.Groups[3].Value == "guid" ? Guid.Empty.ToString() : "x");

    public ValueTask DisposeAsync() => factory.DisposeAsync();
}
