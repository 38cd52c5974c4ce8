using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using SkiaSharp;

namespace VisionFactory.Server.Tests;

/// <summary>Uploading images, paging through them, relabelling and deleting them, and serving their files and thumbnails.</summary>
public sealed class DatasetImagesApiTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    private static readonly SKColor Yellow = new(230, 220, 20);
    private static readonly string[] NotAHash = ["cat.jpg"];

    [Fact]
    public async Task UploadedImagesOfANewClassMakeANewVersionWithThatClass()
    {
        using var client = factory.CreateClient();
        await CreateAsync(client, "up-new-class");

        var response = await client.PostAsync(
            "/api/datasets/up-new-class/images",
            Form("yellow", Enumerable.Range(0, 5).Select(i => ($"y{i}.png", TinyImageFolder.Image(Yellow, i))).ToArray()));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/datasets/up-new-class?version=2", response.Headers.Location?.OriginalString);
        var summary = await Json.ReadAsync(response);
        Assert.Equal(41, (int)summary["images"]!);
        Assert.Equal(["blue", "green", "red", "yellow"], summary["classes"]!.AsArray().Select(c => (string)c!["name"]!));
        Assert.Equal(5, (int)summary["classes"]![3]!["images"]!);
        Assert.StartsWith("upload: 5 images", (string?)summary["source"], StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(factory.DataRoot, "tmp"), "upload-*"));
    }

    [Fact]
    public async Task ZipAndImagesInOneUploadCreateTheDataset()
    {
        using var images = TinyImageFolder.Create(4);
        using var client = factory.CreateClient();

        var response = await client.PostAsync(
            "/api/datasets/up-mixed/images",
            Form("blue", ("colours.zip", await File.ReadAllBytesAsync(images.Zip())), ("extra.png", TinyImageFolder.Image(SKColors.Blue, 30))));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var summary = await Json.ReadAsync(response);
        Assert.Equal(1, (int)summary["version"]!);
        Assert.Equal(13, (int)summary["images"]!);
        Assert.Equal(5, (int)summary["classes"]![0]!["images"]!);
    }

    [Fact]
    public async Task ListingPagesFiltersByClassAndSplitAndCountsTheTotal()
    {
        using var client = factory.CreateClient();
        await CreateAsync(client, "paging", imagesPerClass: 20);

        var first = await Json.ReadAsync(await client.GetAsync("/api/datasets/paging/images?take=25"));
        var last = await Json.ReadAsync(await client.GetAsync("/api/datasets/paging/images?skip=50&take=25"));
        var red = await Json.ReadAsync(await client.GetAsync("/api/datasets/paging/images?class=red&take=100"));

        Assert.Equal(60, (int)first["total"]!);
        Assert.Equal(25, first["images"]!.AsArray().Count);
        Assert.Equal(10, last["images"]!.AsArray().Count);
        Assert.Equal(20, (int)red["total"]!);
        Assert.All(red["images"]!.AsArray(), i => Assert.Equal("red", (string?)i!["class"]));
        var all = new List<string>();
        for (var skip = 0; skip < 60; skip += 25)
        {
            var page = await Json.ReadAsync(await client.GetAsync($"/api/datasets/paging/images?skip={skip}&take=25"));
            all.AddRange(page["images"]!.AsArray().Select(i => (string)i!["sha256"]!));
        }

        Assert.Equal(60, all.Distinct().Count());
        var perSplit = 0;
        foreach (var split in new[] { "train", "validation", "test" })
        {
            var page = await Json.ReadAsync(await client.GetAsync($"/api/datasets/paging/images?class=blue&split={split}&take=100"));
            Assert.All(page["images"]!.AsArray(), i => Assert.Equal(split, (string?)i!["split"]));
            Assert.Equal(page["images"]!.AsArray().Count, (int)page["total"]!);
            perSplit += (int)page["total"]!;
        }

        Assert.Equal(20, perSplit);
        var detail = await Json.ReadAsync(await client.GetAsync($"/api/datasets/paging/images/{all[0]}"));
        Assert.Equal("blue", (string?)detail["class"]);
        Assert.Equal(32, (int)detail["width"]!);
    }

    [Fact]
    public async Task ListingWithAnUnknownClassSplitOrPageSizeReturns400()
    {
        using var client = factory.CreateClient();
        await CreateAsync(client, "paging-bad");

        var unknownClass = await Json.ProblemAsync(await client.GetAsync("/api/datasets/paging-bad/images?class=purple"), 400);
        var unknownSplit = await Json.ProblemAsync(await client.GetAsync("/api/datasets/paging-bad/images?split=holdout"), 400);
        var tooMany = await Json.ProblemAsync(await client.GetAsync("/api/datasets/paging-bad/images?take=100000"), 400);

        Assert.Contains("no class 'purple'; its classes are blue, green, red", (string?)unknownClass["detail"], StringComparison.Ordinal);
        Assert.Contains("use train, validation, test or unlabelled", (string?)unknownSplit["detail"], StringComparison.Ordinal);
        Assert.Contains("between 1 and 500", (string?)tooMany["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RelabelMakesANewVersionMovesTheCountsAndKeepsSplits()
    {
        using var client = factory.CreateClient();
        await CreateAsync(client, "relabel");
        var blue = await PageAsync(client, "relabel", "blue");
        var chosen = blue.Take(3).ToList();

        var response = await client.PostAsync("/api/datasets/relabel/relabel", Json.Body(new { images = chosen.Select(c => c.Sha), @class = "red" }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var summary = await Json.ReadAsync(response);
        Assert.Equal(2, (int)summary["version"]!);
        Assert.Equal(36, (int)summary["images"]!);
        Assert.Equal(9, Count(summary, "blue"));
        Assert.Equal(15, Count(summary, "red"));
        var red = await PageAsync(client, "relabel", "red");
        foreach (var (sha, split) in chosen)
        {
            Assert.Contains((sha, split), red);
        }

        var original = await Json.ReadAsync(await client.GetAsync("/api/datasets/relabel?version=1"));
        Assert.Equal(12, Count(original, "blue"));
    }

    [Fact]
    public async Task RelabelToANewClassAddsTheClass()
    {
        using var client = factory.CreateClient();
        await CreateAsync(client, "relabel-new");
        var green = await PageAsync(client, "relabel-new", "green");

        var response = await client.PostAsync(
            "/api/datasets/relabel-new/relabel", Json.Body(new { images = green.Take(2).Select(c => c.Sha), @class = "olive" }));

        var summary = await Json.ReadAsync(response);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(["blue", "green", "red", "olive"], summary["classes"]!.AsArray().Select(c => (string)c!["name"]!));
        Assert.Equal(2, Count(summary, "olive"));
        Assert.Equal(10, Count(summary, "green"));
    }

    [Fact]
    public async Task RelabelThatEmptiesAClassIsRefused()
    {
        using var client = factory.CreateClient();
        await CreateAsync(client, "relabel-empty", imagesPerClass: 3);
        var green = await PageAsync(client, "relabel-empty", "green");

        var response = await client.PostAsync(
            "/api/datasets/relabel-empty/relabel", Json.Body(new { images = green.Select(c => c.Sha), @class = "blue" }));

        var problem = await Json.ProblemAsync(response, 400);
        Assert.Contains("would leave class 'green' without images", (string?)problem["detail"], StringComparison.Ordinal);
        var versions = await Json.ReadAsync(await client.GetAsync("/api/datasets/relabel-empty/versions"));
        Assert.Single(versions.AsArray());
    }

    [Fact]
    public async Task DeleteImagesMakesANewVersionWithoutThem()
    {
        using var client = factory.CreateClient();
        await CreateAsync(client, "delete-some");
        var red = await PageAsync(client, "delete-some", "red");

        var response = await client.PostAsync("/api/datasets/delete-some/delete-images", Json.Body(new { images = red.Take(4).Select(c => c.Sha) }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var summary = await Json.ReadAsync(response);
        Assert.Equal(2, (int)summary["version"]!);
        Assert.Equal(32, (int)summary["images"]!);
        Assert.Equal(8, Count(summary, "red"));
        var gone = await client.GetAsync($"/api/datasets/delete-some/images/{red[0].Sha}");
        await Json.ProblemAsync(gone, 404);
        var stillInVersion1 = await client.GetAsync($"/api/datasets/delete-some/images/{red[0].Sha}?version=1");
        Assert.Equal(HttpStatusCode.OK, stillInVersion1.StatusCode);
        var versions = await Json.ReadAsync(await client.GetAsync("/api/datasets/delete-some/versions"));
        Assert.Equal([2, 1], versions.AsArray().Select(v => (int)v!["number"]!));
        Assert.Equal([32, 36], versions.AsArray().Select(v => (int)v!["images"]!));
    }

    [Fact]
    public async Task DeletingAWholeClassOfATwoClassDatasetIsRefusedAsOneClass()
    {
        using var client = factory.CreateClient();
        using var images = TinyImageFolder.Create(3, TinyImageFolder.ThreeClasses[0], TinyImageFolder.ThreeClasses[2]);
        (await client.PostAsync("/api/datasets/delete-all/imports", Json.Body(new { path = images.Root }))).EnsureSuccessStatusCode();
        var blue = await PageAsync(client, "delete-all", "blue");

        var response = await client.PostAsync("/api/datasets/delete-all/delete-images", Json.Body(new { images = blue.Select(c => c.Sha) }));

        var problem = await Json.ProblemAsync(response, 400);
        Assert.Contains("the dataset with one class", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangesNamingUnknownImagesAreRefused()
    {
        using var client = factory.CreateClient();
        await CreateAsync(client, "unknown-images");

        var notAHash = await client.PostAsync("/api/datasets/unknown-images/delete-images", Json.Body(new { images = NotAHash }));
        var unknown = await client.PostAsync(
            "/api/datasets/unknown-images/relabel", Json.Body(new { images = new[] { new string('a', 64) }, @class = "red" }));
        var none = await client.PostAsync("/api/datasets/unknown-images/delete-images", Json.Body(new { images = Array.Empty<string>() }));

        Assert.Contains("not an image's sha256", (string?)(await Json.ProblemAsync(notAHash, 400))["detail"], StringComparison.Ordinal);
        Assert.Contains("not in version 1", (string?)(await Json.ProblemAsync(unknown, 404))["detail"], StringComparison.Ordinal);
        Assert.Contains("no images were chosen", (string?)(await Json.ProblemAsync(none, 400))["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImageFileAndThumbnailAreServedAndTheThumbnailIsCached()
    {
        using var client = factory.CreateClient();
        var original = TinyImageFolder.Image(Yellow, 3);
        var big = Photo(640, 400);
        await CreateAsync(client, "thumbs");
        var upload = await client.PostAsync("/api/datasets/thumbs/images", Form("yellow", ("a.png", original), ("b.jpg", big)));
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(original));
        var bigSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(big));

        var file = await client.GetAsync($"/api/images/{sha}");
        var thumbnail = await client.GetAsync($"/api/images/{bigSha}/thumbnail");

        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal("image/png", file.Content.Headers.ContentType?.MediaType);
        Assert.Equal(original, await file.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, thumbnail.StatusCode);
        Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType?.MediaType);
        using (var decoded = SKBitmap.Decode(await thumbnail.Content.ReadAsByteArrayAsync()))
        {
            Assert.Equal(192, decoded.Width);
            Assert.Equal(120, decoded.Height);
        }

        var cached = Path.Combine(factory.DataRoot, "cache", "thumbnails", bigSha[..2], bigSha + ".jpg");
        Assert.True(File.Exists(cached));
        var again = await client.GetAsync($"/api/images/{bigSha}/thumbnail");
        Assert.Equal(await File.ReadAllBytesAsync(cached), await again.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task UnknownOrMalformedImageAddressesReturnProblems()
    {
        using var client = factory.CreateClient();

        await Json.ProblemAsync(await client.GetAsync($"/api/images/{new string('b', 64)}"), 404);
        await Json.ProblemAsync(await client.GetAsync($"/api/images/{new string('b', 64)}/thumbnail"), 404);
        var malformed = await Json.ProblemAsync(await client.GetAsync("/api/images/not-a-hash/thumbnail"), 400);
        Assert.Contains("64 hexadecimal characters", (string?)malformed["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadOfAnotherFileTypeReturns400()
    {
        using var client = factory.CreateClient();

        var response = await client.PostAsync("/api/datasets/wrong-type/images", Form("notes", ("notes.txt", "hello"u8.ToArray())));

        var problem = await Json.ProblemAsync(response, 400);
        Assert.Contains("'notes.txt' is neither an image", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(factory.DataRoot, "tmp"), "upload-*"));
    }

    [Fact]
    public async Task UploadOfImagesOfOneClassIntoANewDatasetIsRefusedAsOneClass()
    {
        using var client = factory.CreateClient();

        var response = await client.PostAsync(
            "/api/datasets/one-class/images", Form("cats", ("c1.png", TinyImageFolder.Image(Yellow, 1)), ("c2.png", TinyImageFolder.Image(Yellow, 2))));

        var problem = await Json.ProblemAsync(response, 400);
        Assert.Contains("only one class ('cats')", (string?)problem["detail"], StringComparison.Ordinal);
        await Json.ProblemAsync(await client.GetAsync("/api/datasets/one-class"), 404);
    }

    [Fact]
    public async Task UploadOfAZipWithAnEmptyClassFolderReturns400()
    {
        using var images = TinyImageFolder.Create(3);
        Directory.CreateDirectory(Path.Combine(images.Root, "purple"));
        using var client = factory.CreateClient();

        var response = await client.PostAsync("/api/datasets/empty-class/images", Form(null, ("colours.zip", await File.ReadAllBytesAsync(images.Zip()))));

        var problem = await Json.ProblemAsync(response, 400);
        Assert.Contains("the class folder 'purple' holds no usable image", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadOfImagesWithoutAClassReturns400()
    {
        using var client = factory.CreateClient();

        var response = await client.PostAsync("/api/datasets/no-class/images", Form(null, ("c1.png", TinyImageFolder.Image(Yellow, 1))));

        var problem = await Json.ProblemAsync(response, 400);
        Assert.Contains("came without a class", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadLargerThanTheLimitReturns413()
    {
        await using var small = new ServerFactory();
        small.Settings["Server:MaxImportUploadBytes"] = "20000";
        using var client = small.CreateClient();

        var response = await client.PostAsync("/api/datasets/too-large/images", Form("big", ("big.jpg", new byte[100_000])));

        var problem = await Json.ProblemAsync(response, 413);
        Assert.Contains("larger than the 19.5 KiB limit", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Contains("Server:MaxImportUploadBytes", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteDatasetRemovesItAndItsVersions()
    {
        using var client = factory.CreateClient();
        await CreateAsync(client, "to-delete");

        var response = await client.DeleteAsync("/api/datasets/to-delete");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await Json.ProblemAsync(await client.GetAsync("/api/datasets/to-delete"), 404);
        await Json.ProblemAsync(await client.DeleteAsync("/api/datasets/to-delete"), 404);
        var listed = await Json.ReadAsync(await client.GetAsync("/api/datasets"));
        Assert.DoesNotContain(listed.AsArray(), d => (string?)d!["name"] == "to-delete");
    }

    private static async Task CreateAsync(HttpClient client, string name, int imagesPerClass = 12)
    {
        using var images = TinyImageFolder.Create(imagesPerClass);
        var response = await client.PostAsync($"/api/datasets/{name}/imports", Json.Body(new { path = images.Root }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static async Task<List<(string Sha, string Split)>> PageAsync(HttpClient client, string name, string className)
    {
        var page = await Json.ReadAsync(await client.GetAsync($"/api/datasets/{name}/images?class={className}&take=500"));
        return page["images"]!.AsArray().Select(i => ((string)i!["sha256"]!, (string)i["split"]!)).ToList();
    }

    private static int Count(JsonNode summary, string className) =>
        (int)summary["classes"]!.AsArray().Single(c => (string?)c!["name"] == className)!["images"]!;

    private static MultipartFormDataContent Form(string? className, params (string Name, byte[] Bytes)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, bytes) in files)
        {
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(file, "files", name);
        }

        if (className is not null)
        {
            form.Add(new StringContent(className), "class");
        }

        return form;
    }

    private static byte[] Photo(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.SteelBlue);
            using var paint = new SKPaint { Color = SKColors.Orange };
            canvas.DrawCircle(width / 2f, height / 2f, height / 3f, paint);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var encoded = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        return encoded.ToArray();
    }
}
