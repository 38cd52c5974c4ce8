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
}
