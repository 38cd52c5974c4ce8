using System.Net;

namespace VisionFactory.Server.Tests;

/// <summary>Imports by server path only from the folders in Server:ImportRoots, with links resolved first.</summary>
public sealed class ImportRootsApiTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    [Fact]
    public async Task ImportOfAFolderOutsideTheAllowedRootsIsRefused()
    {
        var outside = Path.Combine(Path.GetTempPath(), "vf-outside-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(outside, "cats"));
        try
        {
            using var client = factory.CreateClient();

            var response = await client.PostAsync("/api/datasets/outside/imports", Json.Body(new { path = outside }));

            var problem = await Json.ProblemAsync(response, 400);
            Assert.Contains("outside the folders allowed for server-side imports", (string?)problem["detail"], StringComparison.Ordinal);
            Assert.Contains("Server:ImportRoots", (string?)problem["detail"], StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Theory]
    [InlineData("/../../etc")]
    [InlineData("//..//..//proc/self/root/etc")]
    [InlineData("/link-out")]
    public async Task TraversalAndLinksOutOfAnAllowedRootAreRefused(string suffix)
    {
        using var images = TinyImageFolder.Create(2);
        var link = Path.Combine(images.Root, "link-out");
        Directory.CreateSymbolicLink(link, "/etc");
        using var client = factory.CreateClient();

        var response = await client.PostAsync("/api/datasets/escape/imports", Json.Body(new { path = images.Root + suffix }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Json.ProblemAsync(response, 400);
        Assert.Contains("outside the folders allowed", (string?)problem["detail"], StringComparison.Ordinal);
    }
}

/// <summary>Stored images are served with the type the server decoded and nosniff, whatever they were named.</summary>
public sealed class ServedImageHeadersTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    [Fact]
    public async Task ImagesAndThumbnailsAreServedWithTheDecodedTypeAndNosniff()
    {
        using var images = TinyImageFolder.Create(3);
        File.Move(Directory.GetFiles(Path.Combine(images.Root, "red"))[0], Path.Combine(images.Root, "red", "page.html"));
        using var client = factory.CreateClient();
        (await client.PostAsync("/api/datasets/served/imports", Json.Body(new { path = images.Root }))).EnsureSuccessStatusCode();
        var page = await Json.ReadAsync(await client.GetAsync("/api/datasets/served/images?class=red"));
        var image = page["images"]!.AsArray().Single(i => ((string?)i!["source_path"])!.EndsWith("page.html", StringComparison.Ordinal))!;

        var file = await client.GetAsync($"/api/images/{(string?)image["sha256"]}");
        var thumbnail = await client.GetAsync($"/api/images/{(string?)image["sha256"]}/thumbnail");

        Assert.Equal("image/png", file.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", file.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("nosniff", thumbnail.Headers.GetValues("X-Content-Type-Options").Single());
    }
}
