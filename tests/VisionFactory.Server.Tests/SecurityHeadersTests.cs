using System.Net;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// Every answer carries the headers that contain a stored script (Content-Security-Policy), a sniffed file type
/// (nosniff) and leaked addresses (Referrer-Policy): pages, API answers, files and errors alike.
/// </summary>
public sealed class SecurityHeadersTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    private static readonly string[] Pages =
    [
        "/", "/datasets", "/review", "/zoo", "/factory", "/compare", "/operate", "/operate/catalog", "/operate/pipelines/new", "/settings",
        "/datasets/nothing-here", "/models/m-00000000",
    ];

    [Fact]
    public async Task EveryPageApiAnswerFileAndErrorCarriesAStrictPolicyNosniffAndAReferrerPolicy()
    {
        using var admin = factory.CreateClient();
        using var anonymous = factory.CreateAnonymousClient();
        using var signedIn = new HttpClient(new CookieContainerHandler { InnerHandler = factory.Server.CreateHandler() }) { BaseAddress = factory.Server.BaseAddress };
        await AdminKey.CreateAsync(signedIn);

        var answers = new List<(string What, HttpResponseMessage Response)>();
        foreach (var page in Pages)
        {
            answers.Add(($"page {page}", await signedIn.GetAsync(new Uri(page, UriKind.Relative))));
        }

        answers.Add(("sign-in page", await anonymous.GetAsync(new Uri("/account/login", UriKind.Relative))));
        answers.Add(("a page for an anonymous visitor (redirect)", await anonymous.GetAsync(new Uri("/datasets", UriKind.Relative))));
        answers.Add(("health", await anonymous.GetAsync(new Uri("/health", UriKind.Relative))));
        answers.Add(("API read", await admin.GetAsync(new Uri("/api/datasets", UriKind.Relative))));
        answers.Add(("API 401", await anonymous.GetAsync(new Uri("/api/datasets", UriKind.Relative))));
        answers.Add(("API 404", await admin.GetAsync(new Uri("/api/nothing-here", UriKind.Relative))));
        answers.Add(("API 400", await admin.PostAsync(new Uri("/api/runs", UriKind.Relative), Json.Body(new { }))));
        answers.Add(("OpenAPI document", await anonymous.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative))));
        answers.Add(("style sheet", await anonymous.GetAsync(new Uri("/app.css", UriKind.Relative))));
        answers.Add(("Blazor script", await anonymous.GetAsync(new Uri("/_framework/blazor.web.js", UriKind.Relative))));

        Assert.Contains(answers, a => a.Response.StatusCode == HttpStatusCode.OK && a.What.StartsWith("page", StringComparison.Ordinal));
        Assert.Contains(answers, a => a.Response.StatusCode == HttpStatusCode.Unauthorized);
        Assert.Contains(answers, a => a.Response.StatusCode == HttpStatusCode.BadRequest);
        foreach (var (what, response) in answers)
        {
            var policy = Header(response, "Content-Security-Policy", what);
            var directives = policy.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            Assert.True(directives.Contains("script-src 'self'"), $"{what} ({(int)response.StatusCode}): script-src is not only 'self': {policy}");
            Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
            Assert.True(directives.Contains("object-src 'none'") && directives.Contains("base-uri 'self'") && directives.Contains("frame-ancestors 'none'"),
                $"{what}: {policy}");
            Assert.Equal("nosniff", Header(response, "X-Content-Type-Options", what));
            Assert.Equal("strict-origin-when-cross-origin", Header(response, "Referrer-Policy", what));
            response.Dispose();
        }
    }

    [Fact]
    public async Task HealthNamesTheVersionAndCommitToSignedInCallersOnly()
    {
        using var anonymous = factory.CreateAnonymousClient();
        using var admin = factory.CreateClient();

        var open = await Json.ReadAsync(await anonymous.GetAsync(new Uri("/health", UriKind.Relative)));
        var signedIn = await Json.ReadAsync(await admin.GetAsync(new Uri("/health", UriKind.Relative)));

        Assert.Equal("ok", (string?)open["status"]);
        Assert.Equal(["status"], open.AsObject().Select(p => p.Key));
        Assert.Equal("ok", (string?)signedIn["status"]);
        Assert.False(string.IsNullOrEmpty((string?)signedIn["version"]));
        Assert.False(string.IsNullOrEmpty((string?)signedIn["commit"]));
    }

    private static string Header(HttpResponseMessage response, string name, string what) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values)
        : throw new Xunit.Sdk.XunitException($"{what} ({(int)response.StatusCode} {response.RequestMessage?.RequestUri}) has no {name} header");
}
