using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using SkiaSharp;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>Imports as background jobs: started with 202, followed to their summary, from a folder, an upload or the web.</summary>
public sealed class ImportJobsApiTests : IClassFixture<ServerFactory>
{
    private readonly ServerFactory factory;

    public ImportJobsApiTests(ServerFactory factory)
    {
        this.factory = factory;
        factory.Settings["Collect:Web:AllowedRanges:0"] = "127.0.0.2/32";
        factory.Settings["Collect:Web:PerHostInterval"] = "00:00:00.010";
    }

    [Fact]
    public async Task AServerFolderImportRunsAsAJobWithProgressAndASummary()
    {
        using var images = TinyImageFolder.Create(6);
        File.WriteAllText(Path.Combine(images.Root, "red", "notes.jpg"), "<html>not an image</html>");
        using var client = factory.CreateClient();

        var started = await client.PostAsync("/api/datasets/job-folder/import-jobs", Json.Body(new { path = images.Root }));

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var job = await Json.ReadAsync(started);
        Assert.Equal($"/api/import-jobs/{(string)job["id"]!}", started.Headers.Location?.ToString());
        var done = await WaitAsync(client, (string)job["id"]!);
        Assert.Equal("succeeded", (string?)done["state"]);
        Assert.Equal(1, (int)done["version"]!);
        Assert.Equal(18, (int)done["imported"]!);
        Assert.Equal(19, (int)done["done"]!);
        var skipped = Assert.Single(done["skipped_files"]!.AsArray());
        Assert.Equal("red/notes.jpg", (string?)skipped!["path"]);
        var listed = await Json.ReadAsync(await client.GetAsync("/api/import-jobs?dataset=job-folder"));
        Assert.Single(listed.AsArray());
    }

    [Fact]
    public async Task TheSplitSeedOfAServerFolderImportIsTheOneTheRequestGives()
    {
        using var images = TinyImageFolder.Create(6);
        using var client = factory.CreateClient();

        var started = await client.PostAsync("/api/datasets/job-seeded/import-jobs", Json.Body(new { path = images.Root, seed = 7 }));

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var done = await WaitAsync(client, (string)(await Json.ReadAsync(started))["id"]!);
        Assert.Equal("succeeded", (string?)done["state"]);
        var summary = await Json.ReadAsync(await client.GetAsync("/api/datasets/job-seeded"));
        Assert.Equal(7, (int)summary["split"]!["seed"]!);
    }

    [Fact]
    public async Task AnUploadRunsAsAJob()
    {
        using var images = TinyImageFolder.Create(4);
        using var client = factory.CreateClient();
        using var form = new MultipartFormDataContent();
        var zip = new ByteArrayContent(await File.ReadAllBytesAsync(images.Zip()));
        zip.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        form.Add(zip, "files", "colours.zip");

        var started = await client.PostAsync("/api/datasets/job-upload/import-jobs", form);

        var done = await WaitAsync(client, (string)(await Json.ReadAsync(started))["id"]!);
        Assert.Equal("succeeded", (string?)done["state"]);
        Assert.Equal(12, (int)done["imported"]!);
        Assert.Empty(Directory.GetDirectories(Path.Combine(factory.DataRoot, "tmp"), "upload-*"));
    }

    [Fact]
    public async Task WebAddressesImportAsAJobAndInternalOnesAreSkipped()
    {
        using var site = new LocalWebServer("127.0.0.2", async context =>
        {
            var name = context.Request.Url!.AbsolutePath.Trim('/');
            if (!name.EndsWith(".png", StringComparison.Ordinal))
            {
                context.Response.StatusCode = 404;
                return;
            }

            var colour = name.StartsWith("red", StringComparison.Ordinal) ? SKColors.Red : SKColors.Blue;
            await context.Response.OutputStream.WriteAsync(TinyImageFolder.Image(colour, int.Parse(name[^5..^4], System.Globalization.CultureInfo.InvariantCulture), SKEncodedImageFormat.Png));
        });
        using var client = factory.CreateClient();
        var urls = Enumerable.Range(0, 4).SelectMany(i => new[] { $"red,{site.Url($"red{i}.png")}", $"blue,{site.Url($"blue{i}.png")}" })
            .Append("red,http://169.254.169.254/latest/meta-data/").ToList();

        var started = await client.PostAsync("/api/datasets/job-web/import-jobs", Json.Body(new { urls }));

        var done = await WaitAsync(client, (string)(await Json.ReadAsync(started))["id"]!);
        Assert.Equal("succeeded", (string?)done["state"]);
        Assert.Equal(8, (int)done["imported"]!);
        Assert.Contains("is refused", (string?)Assert.Single(done["skipped_files"]!.AsArray())!["reason"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailingImportEndsAsAFailedJobAndAPathOutsideTheRootsIsRefusedAtOnce()
    {
        using var images = TinyImageFolder.Create(3, ("red", SKColors.Red, SKEncodedImageFormat.Png));
        using var client = factory.CreateClient();

        var started = await client.PostAsync("/api/datasets/job-one/import-jobs", Json.Body(new { path = images.Root }));
        var outside = await client.PostAsync("/api/datasets/job-etc/import-jobs", Json.Body(new { path = "/etc" }));
        var missing = await client.GetAsync($"/api/import-jobs/{Guid.NewGuid()}");

        var done = await WaitAsync(client, (string)(await Json.ReadAsync(started))["id"]!);
        Assert.Equal("failed", (string?)done["state"]);
        Assert.Contains("at least two class folders", (string?)done["error"], StringComparison.Ordinal);
        Assert.Contains("outside the folders allowed", (string?)(await Json.ProblemAsync(outside, 400))["detail"], StringComparison.Ordinal);
        await Json.ProblemAsync(missing, 404);
    }

    private static Task<JsonNode> WaitAsync(HttpClient client, string id) => Eventually.ValueAsync(
        async () => await Json.ReadAsync(await client.GetAsync($"/api/import-jobs/{id}")),
        status => (bool)status["finished"]!,
        TimeSpan.FromSeconds(30),
        $"import job {id} to finish");
}
