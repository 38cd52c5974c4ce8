using System.Net;
using System.Net.Http.Headers;
using SkiaSharp;

namespace VisionFactory.Server.Tests;

public sealed class DatasetsApiTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    [Fact]
    public async Task UnknownDatasetReturns404ProblemDetails()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/api/datasets/no-such-dataset");

        var problem = await Json.ProblemAsync(response, 404);
        Assert.Contains("'no-such-dataset' does not exist", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportFromServerPathReturns201WithCounts()
    {
        using var images = TinyImageFolder.Create();
        using var client = factory.CreateClient();

        var response = await client.PostAsync("/api/datasets/colours-path/imports", Json.Body(new { path = images.Root }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/datasets/colours-path?version=1", response.Headers.Location?.OriginalString);
        var summary = await Json.ReadAsync(response);
        Assert.Equal("colours-path", (string?)summary["name"]);
        Assert.Equal(1, (int)summary["version"]!);
        Assert.Equal(36, (int)summary["images"]!);
        Assert.Equal(["blue", "green", "red"], summary["classes"]!.AsArray().Select(c => (string)c!["name"]!));
        Assert.All(summary["classes"]!.AsArray(), c => Assert.Equal(12, (int)c!["images"]!));
        Assert.Equal(36, (int)summary["import"]!["imported"]!);

        var shown = await Json.ReadAsync(await client.GetAsync("/api/datasets/colours-path?version=1"));
        Assert.Equal(36, (int)shown["images"]!);
        var listed = await Json.ReadAsync(await client.GetAsync("/api/datasets"));
        Assert.Contains(listed.AsArray(), d => (string?)d!["name"] == "colours-path" && (int)d["latest_version"]! == 1);
    }

    [Fact]
    public async Task CorruptFileIsReportedAsSkipped()
    {
        using var images = TinyImageFolder.Create();
        images.AddFile("red/broken.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5, 6, 7, 8]);
        using var client = factory.CreateClient();

        var response = await client.PostAsync("/api/datasets/colours-corrupt/imports", Json.Body(new { path = images.Root }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var import = (await Json.ReadAsync(response))["import"]!;
        Assert.Equal(37, (int)import["files_seen"]!);
        Assert.Equal(36, (int)import["imported"]!);
        var skipped = Assert.Single(import["skipped"]!.AsArray());
        Assert.Equal("red/broken.jpg", (string?)skipped!["path"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)skipped["reason"]));
    }

    [Fact]
    public async Task ZipUploadIsImported()
    {
        using var images = TinyImageFolder.Create();
        var zip = images.Zip();
        using var client = factory.CreateClient();
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(await File.ReadAllBytesAsync(zip));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        form.Add(file, "archive", "colours.zip");

        var response = await client.PostAsync("/api/datasets/colours-zip/imports", form);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(36, (int)(await Json.ReadAsync(response))["images"]!);
        Assert.Empty(Directory.Exists(Path.Combine(factory.DataRoot, "tmp")) ? Directory.GetFiles(Path.Combine(factory.DataRoot, "tmp")) : []);
    }

    [Fact]
    public async Task UploadThatIsNotAZipReturns400()
    {
        using var client = factory.CreateClient();
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent([1, 2, 3]), "archive", "photos.tar");

        var response = await client.PostAsync("/api/datasets/colours-tar/imports", form);

        var problem = await Json.ProblemAsync(response, 400);
        Assert.Contains("not a .zip archive", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneClassDatasetReturns400ProblemDetails()
    {
        using var images = TinyImageFolder.Create(6, ("red", SKColors.Red, SKEncodedImageFormat.Png));
        using var client = factory.CreateClient();

        var response = await client.PostAsync("/api/datasets/only-red/imports", Json.Body(new { path = images.Root }));

        var problem = await Json.ProblemAsync(response, 400);
        Assert.Contains("at least two class folders", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingImportPathReturns404ProblemDetails()
    {
        using var client = factory.CreateClient();

        var response = await client.PostAsync(
            "/api/datasets/nowhere/imports", Json.Body(new { path = Path.Combine(factory.DataRoot, "no-such-folder") }));

        var problem = await Json.ProblemAsync(response, 404);
        Assert.Contains("does not exist", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportWithoutPathReturns400ProblemDetails()
    {
        using var client = factory.CreateClient();

        var response = await client.PostAsync("/api/datasets/nothing/imports", Json.Body(new { folder = "/tmp" }));

        var problem = await Json.ProblemAsync(response, 400);
        Assert.Contains("'path' is required", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedImportJsonReturns400ProblemDetails()
    {
        using var client = factory.CreateClient();
        using var content = new StringContent("{\"path\": ", System.Text.Encoding.UTF8, "application/json");

        var response = await client.PostAsync("/api/datasets/nothing/imports", content);

        var problem = await Json.ProblemAsync(response, 400);
        Assert.Contains("not valid JSON", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportOfPlainTextReturns415ProblemDetails()
    {
        using var client = factory.CreateClient();
        using var content = new StringContent("/srv/photos");

        var response = await client.PostAsync("/api/datasets/nothing/imports", content);

        await Json.ProblemAsync(response, 415);
    }

    [Fact]
    public async Task InvalidVersionQueryReturns400ProblemDetails()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/api/datasets/anything?version=latest");

        var problem = await Json.ProblemAsync(response, 400);
        Assert.Contains("version", (string?)problem["detail"], StringComparison.Ordinal);
    }
}
