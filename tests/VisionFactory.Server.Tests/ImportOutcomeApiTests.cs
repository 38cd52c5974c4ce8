using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using SkiaSharp;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>What an import tells an API client when it brings nothing, or too little to split.</summary>
public sealed class ImportOutcomeApiTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    private static readonly (string Name, SKColor Colour, SKEncodedImageFormat Format)[] TwoClasses =
    [
        ("cats", new SKColor(20, 40, 220), SKEncodedImageFormat.Png),
        ("dogs", new SKColor(220, 30, 30), SKEncodedImageFormat.Png),
    ];

    [Fact]
    public async Task TinyDatasetImportWarnsAboutEmptySplitsAndTrainingIsRefusedWithProblemDetails()
    {
        using var images = TinyImageFolder.Create(2, TwoClasses);
        File.Delete(Path.Combine(images.Root, "dogs", "dogs-01.png"));
        using var client = factory.CreateClient();

        var imported = await client.PostAsync("/api/datasets/tiny/imports", Json.Body(new { path = images.Root }));
        var run = await client.PostAsync("/api/runs", Json.Body(new { dataset = "tiny", architecture = "small_cnn", mode = "finetune", epochs = 1 }));

        Assert.Equal(HttpStatusCode.Created, imported.StatusCode);
        var warnings = (await Json.ReadAsync(imported))["import"]!["warnings"]?.AsArray().Select(w => (string)w!).ToList() ?? [];
        Assert.Contains(warnings, w => w.StartsWith("the validation and test splits are empty", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("'cats' has 2 images, 'dogs' has 1 image", StringComparison.Ordinal));
        var detail = (string?)(await Json.ProblemAsync(run, 400))["detail"];
        Assert.StartsWith("tiny version 1 has no validation and no test images (images per class: 'cats' 2, 'dogs' 1)", detail, StringComparison.Ordinal);
        Assert.Contains("add images so that each class has at least 3", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadOfOnlyANonImageEndsFailedNamingTheFileAndMakesNoVersion()
    {
        using var images = TinyImageFolder.Create(4, TwoClasses);
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/datasets/upload-nothing/imports", Json.Body(new { path = images.Root }))).StatusCode);
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent("<html>not an image</html>"u8.ToArray());
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(file, "files", "notes.jpg");
        form.Add(new StringContent("cats"), "class");

        var started = await client.PostAsync("/api/datasets/upload-nothing/import-jobs", form);
        var done = await WaitAsync(client, (string)(await Json.ReadAsync(started))["id"]!);
        var shown = await Json.ReadAsync(await client.GetAsync("/api/datasets/upload-nothing"));

        Assert.Equal("failed", (string?)done["state"]);
        Assert.Null((int?)done["version"]);
        Assert.StartsWith("nothing was imported: ", (string?)done["error"], StringComparison.Ordinal);
        Assert.Contains("notes.jpg: not a", (string?)done["error"], StringComparison.Ordinal);
        Assert.Equal(1, (int)shown["version"]!);
    }

    private static Task<JsonNode> WaitAsync(HttpClient client, string id) => Eventually.ValueAsync(
        async () => await Json.ReadAsync(await client.GetAsync($"/api/import-jobs/{id}")),
        status => (bool)status["finished"]!,
        TimeSpan.FromSeconds(30),
        $"import job {id} to finish");
}
