using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Pipelines.Catalog;

namespace VisionFactory.Server.Tests;

/// <summary>Pages and files a signed-in user meets, as the server first sends them.</summary>
public sealed class UiPagesTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    [Fact]
    public async Task ComponentCatalogShowsEachComponentsVersionNumber()
    {
        var catalog = factory.Services.GetRequiredService<ComponentCatalog>();

        var html = await factory.PageAsync("/operate/catalog");

        Assert.DoesNotContain("@c.Version", html, StringComparison.Ordinal);
        Assert.NotEmpty(catalog.All);
        foreach (var component in catalog.All)
        {
            Assert.Contains($"<code>{component.Id}</code> <small>v{component.Version}</small>", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheSiteIconIsServedToVisitorsNotYetSignedIn()
    {
        using var client = factory.CreateAnonymousClient();

        using var ico = await client.GetAsync("/favicon.ico");
        var bytes = await ico.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, ico.StatusCode);
        Assert.Equal([0, 0, 1, 0], bytes.Take(4));
        var login = await client.GetStringAsync("/account/login");
        var link = Regex.Match(login, "<link rel=\"icon\" href=\"([^\"]+)\"");
        Assert.True(link.Success, "the page links no icon");
        using var linked = await client.GetAsync(new Uri(link.Groups[1].Value, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, linked.StatusCode);
        Assert.StartsWith("image/", linked.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }
}
