using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using SkiaSharp;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// The Compare step's API on the real host: the full evaluation, evaluation on another dataset version, mistakes and
/// confusion cells, heat-map explanations, leaderboards and side-by-side comparison.
/// </summary>
public sealed class CompareApiTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task EvaluationHasEveryFigureOfTheFullReport()
    {
        using var client = fixture.Factory.CreateClient();

        var report = await Json.ReadAsync(await client.GetAsync($"/api/models/{fixture.ModelId}/evaluation"));

        Assert.InRange((double)report["balanced_accuracy"]!, 0, 1);
        Assert.InRange((double)report["weighted_f1"]!, 0, 1);
        Assert.Equal(3, report["roc_auc"]!.AsObject().Count);
        Assert.InRange((double)report["macro_roc_auc"]!, 0, 1);
        Assert.InRange((double)report["ece"]!, 0, 1);
        Assert.Equal(10, report["calibration"]!["bins"]!.AsArray().Count);
        Assert.Equal(3, report["curves"]!.AsArray().Count);
        Assert.NotEmpty(report["curves"]![0]!["roc"]!.AsArray());
        var topK = Assert.Single(report["top_k"]!.AsArray());
        Assert.Equal(2, (int)topK!["k"]!);
        Assert.True((double)report["latency_ms_per_image"]! > 0);
        Assert.Equal("colours", (string?)report["dataset"]);
        var changes = report["stress_test"]!["changes"]!.AsArray();
        Assert.Equal(7, changes.Count);
        Assert.All(changes, c => Assert.Equal(3, c!["recall"]!.AsObject().Count));
        Assert.NotNull(report["stress_test"]!["warnings"]!.AsArray());
    }

    [Fact]
    public async Task EvaluationOnADatasetVersionMatchesClassesByName()
    {
        using var client = fixture.Factory.CreateClient();
        using var odd = TinyImageFolder.Create(4, ("red", new SKColor(220, 30, 30), SKEncodedImageFormat.Png), ("purple", new SKColor(150, 20, 160), SKEncodedImageFormat.Png));
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/datasets/odd/imports", Json.Body(new { path = odd.Root }))).StatusCode);

        using var two = TinyImageFolder.Create(4, TinyImageFolder.ThreeClasses[1], TinyImageFolder.ThreeClasses[2]);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/datasets/two/imports", Json.Body(new { path = two.Root }))).StatusCode);

        var all = await Json.ReadAsync(await client.GetAsync($"/api/models/{fixture.ModelId}/evaluation?dataset=colours@1&split=all"));
        var subset = await Json.ReadAsync(await client.GetAsync($"/api/models/{fixture.ModelId}/evaluation?dataset=two"));
        var unknownClass = await client.GetAsync($"/api/models/{fixture.ModelId}/evaluation?dataset=odd");
        var badSplit = await client.GetAsync($"/api/models/{fixture.ModelId}/evaluation?dataset=colours&split=sideways");
        var noDataset = await client.GetAsync($"/api/models/{fixture.ModelId}/evaluation?dataset=nowhere");

        Assert.Equal("all", (string?)all["split"]);
        Assert.Equal(36, (int)all["images"]!);
        Assert.Equal(1, (int)all["dataset_version"]!);

        // The dataset's classes are green (0) and red (1); the model's blue (0), green (1), red (2): matched by name.
        Assert.Equal([0, 4, 4], subset["per_class"]!.AsArray().Select(c => (int)c!["support"]!));
        Assert.Equal(8, (int)subset["images"]!);
        Assert.Equal(["green", "red"], subset["stress_test"]!["changes"]![0]!["recall"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Contains("'purple'", (string?)(await Json.ProblemAsync(unknownClass, 400))["detail"], StringComparison.Ordinal);
        Assert.Contains("unknown split 'sideways'", (string?)(await Json.ProblemAsync(badSplit, 400))["detail"], StringComparison.Ordinal);
        await Json.ProblemAsync(noDataset, 404);
    }

    [Fact]
    public async Task MistakesAreTheWrongImagesMostConfidentFirst()
    {
        using var client = fixture.Factory.CreateClient();
        var report = await Json.ReadAsync(await client.GetAsync($"/api/models/{fixture.ModelId}/evaluation"));
        var matrix = report["confusion_matrix"]!.AsArray().Select(r => r!.AsArray().Select(v => (int)v!).ToArray()).ToArray();

        var mistakes = (await Json.ReadAsync(await client.GetAsync($"/api/models/{fixture.ModelId}/mistakes")))["images"]!.AsArray();

        var wrong = matrix.Select((row, t) => row.Where((_, p) => p != t).Sum()).Sum();
        Assert.Equal(wrong, mistakes.Count);
        Assert.All(mistakes, m => Assert.NotEqual((string?)m!["true_class"], (string?)m["predicted_class"]));
        var confidences = mistakes.Select(m => (double)m!["confidence"]!).ToList();
        Assert.Equal(confidences.OrderDescending(), confidences);
    }

    [Fact]
    public async Task ConfusionCellListsTheImagesBehindIt()
    {
        using var client = fixture.Factory.CreateClient();
        var report = await Json.ReadAsync(await client.GetAsync($"/api/models/{fixture.ModelId}/evaluation"));
        var redAsRed = (int)report["confusion_matrix"]![2]![2]!;

        var cell = (await Json.ReadAsync(await client.GetAsync($"/api/models/{fixture.ModelId}/confusion?true_class=red&predicted_class=red")))["images"]!.AsArray();
        var missing = await client.GetAsync($"/api/models/{fixture.ModelId}/confusion?true_class=red");
        var unknown = await client.GetAsync($"/api/models/{fixture.ModelId}/confusion?true_class=red&predicted_class=mauve");

        Assert.Equal(redAsRed, cell.Count);
        Assert.All(cell, c =>
        {
            Assert.Equal("red", (string?)c!["true_class"]);
            Assert.Equal("red", (string?)c["predicted_class"]);
            Assert.StartsWith("red", Path.GetFileName((string?)c["file"]), StringComparison.Ordinal);
        });
        Assert.Contains("true_class", (string?)(await Json.ProblemAsync(missing, 400))["detail"], StringComparison.Ordinal);
        Assert.Contains("no class 'mauve'", (string?)(await Json.ProblemAsync(unknown, 400))["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExplainingAnUploadedImageReturnsAPngWithThePredictionInItsHeaders()
    {
        using var client = fixture.Factory.CreateClient();

        var png = await client.PostAsync($"/api/models/{fixture.ModelId}/explanations?method=gradcam&size=64", Upload("red.png", TinyImageFolder.Image(TinyImageFolder.ThreeClasses[2].Colour, 40)));
        var json = await client.PostAsync($"/api/models/{fixture.ModelId}/explanations?method=gradcam%2B%2B&format=json&class=blue", Upload("red.png", TinyImageFolder.Image(TinyImageFolder.ThreeClasses[2].Colour, 41)));
        var notImage = await client.PostAsync($"/api/models/{fixture.ModelId}/explanations", Upload("notes.txt", "hello"u8.ToArray()));
        var badMethod = await client.PostAsync($"/api/models/{fixture.ModelId}/explanations?method=lime", Upload("red.png", TinyImageFolder.Image(TinyImageFolder.ThreeClasses[2].Colour, 42)));

        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        var bytes = await png.Content.ReadAsByteArrayAsync();
        Assert.Equal(PngSignature, bytes[..8]);
        using (var decoded = SKBitmap.Decode(bytes))
        {
            Assert.Equal((64, 64), (decoded.Width, decoded.Height));
        }

        Assert.Contains(Uri.UnescapeDataString(png.Headers.GetValues("X-VF-Label").Single()), (string[])["blue", "green", "red"]);
        Assert.InRange(double.Parse(png.Headers.GetValues("X-VF-Confidence").Single(), System.Globalization.CultureInfo.InvariantCulture), 0, 1);
        Assert.Equal("layer3", png.Headers.GetValues("X-VF-Layer").Single());

        var explained = await Json.ReadAsync(json);
        Assert.Equal("gradcam++", (string?)explained["method"]);
        Assert.Equal("blue", (string?)explained["explained_class"]);
        Assert.Equal(3, explained["probabilities"]!.AsObject().Count);
        Assert.Equal(PngSignature, Convert.FromBase64String((string)explained["png"]!)[..8]);
        Assert.Contains("notes.txt cannot be explained", (string?)(await Json.ProblemAsync(notImage, 400))["detail"], StringComparison.Ordinal);
        Assert.Contains("gradcam++", (string?)(await Json.ProblemAsync(badMethod, 400))["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExplainingAnImportedImageBySha256ReturnsAPng()
    {
        using var client = fixture.Factory.CreateClient();
        var page = await Json.ReadAsync(await client.GetAsync("/api/datasets/colours/images?take=1&class=green"));
        var sha = (string)page["images"]![0]!["sha256"]!;

        var png = await client.GetAsync($"/api/models/{fixture.ModelId}/explanations/{sha}?size=48");
        var unknown = await client.GetAsync($"/api/models/{fixture.ModelId}/explanations/{new string('0', 64)}");
        var traversal = await client.GetAsync($"/api/models/{fixture.ModelId}/explanations/..%2f..%2fetc");

        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal(PngSignature, (await png.Content.ReadAsByteArrayAsync())[..8]);
        await Json.ProblemAsync(unknown, 404);
        Assert.Equal(HttpStatusCode.NotFound, traversal.StatusCode);
    }

    [Fact]
    public async Task LeaderboardsRankModelsByAnyMetricAndComparisonMarksTheBest()
    {
        using var client = fixture.Factory.CreateClient();
        var second = await TrainAsync(client);

        var board = await Json.ReadAsync(await client.GetAsync("/api/datasets/colours/leaderboard?sort=loss"));
        var everything = await Json.ReadAsync(await client.GetAsync("/api/models/leaderboard?sort=macro_f1&order=worst"));
        var comparison = await Json.ReadAsync(await client.GetAsync($"/api/models/compare?ids={fixture.ModelId},{second}"));
        var badSort = await client.GetAsync("/api/datasets/colours/leaderboard?sort=beauty");
        var noDataset = await client.GetAsync("/api/datasets/nowhere/leaderboard");
        var one = await client.GetAsync($"/api/models/compare?ids={fixture.ModelId}");

        var losses = board["models"]!.AsArray().Select(m => (double)m!["metrics"]!["loss"]!).ToList();
        Assert.Equal(2, losses.Count);
        Assert.Equal(losses.Order(), losses);
        Assert.Equal("loss", (string?)board["sort"]);
        var f1 = everything["models"]!.AsArray().Select(m => (double)m!["metrics"]!["macro_f1"]!).ToList();
        Assert.Equal(f1.Order(), f1);

        var models = comparison["models"]!.AsArray();
        Assert.Equal([fixture.ModelId, second], models.Select(m => (string)m!["score"]!["id"]!));
        Assert.All(models, m => Assert.Equal(3, m!["evaluation"]!["confusion_matrix"]!.AsArray().Count));
        var bestLoss = comparison["best"]!["loss"]!.AsArray().Select(b => (string)b!).ToList();
        var lowest = models.MinBy(m => (double)m!["score"]!["metrics"]!["loss"]!)!;
        Assert.Contains((string)lowest["score"]!["id"]!, bestLoss);

        var page = await fixture.Factory.PageAsync($"/compare/models?ids={fixture.ModelId},{second}");
        Assert.Contains("data-testid=\"comparison\"", page, StringComparison.Ordinal);
        Assert.Contains("★", page, StringComparison.Ordinal);
        Assert.Contains($"data-testid=\"confusion-{second}\"", page, StringComparison.Ordinal);
        Assert.True(Points(page, "overlay-accuracy") > 0, "the accuracy overlay is empty");
        Assert.True(Points(page, "overlay-roc") > 0, "the ROC overlay is empty");

        Assert.Contains("macro_f1", (string?)(await Json.ProblemAsync(badSort, 400))["detail"], StringComparison.Ordinal);
        await Json.ProblemAsync(noDataset, 404);
        Assert.Contains("between 2 and", (string?)(await Json.ProblemAsync(one, 400))["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUploadedZipIsClassifiedAsJsonOrCsvWithAnErrorRowForANonImage()
    {
        using var client = fixture.Factory.CreateClient();
        using var folder = TinyImageFolder.Create(2);
        folder.AddFile("notes/readme.txt", "not an image"u8.ToArray());
        var zip = folder.Zip();

        var json = await client.PostAsync($"/api/models/{fixture.ModelId}/classifications", ZipUpload(zip));
        var csv = await client.PostAsync($"/api/models/{fixture.ModelId}/classifications?format=csv", ZipUpload(zip));
        var notZip = await client.PostAsync($"/api/models/{fixture.ModelId}/classifications", Upload("photo.png", TinyImageFolder.Image(SKColors.Red, 1)));

        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        var predictions = (await Json.ReadAsync(json))["predictions"]!.AsArray();
        Assert.Equal(7, predictions.Count);
        var text = predictions.Single(p => ((string)p!["file"]!).EndsWith("readme.txt", StringComparison.Ordinal))!;
        Assert.Null(text["label"]);
        Assert.False(string.IsNullOrEmpty((string?)text["error"]));
        Assert.All(predictions.Where(p => p!["label"] is not null), p => Assert.Equal(3, p!["probabilities"]!.AsObject().Count));

        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("file,label,confidence,error,blue,green,red", lines[0]);
        Assert.Equal(8, lines.Length);
        Assert.All(lines.Skip(1).Where(l => !l.StartsWith("notes/", StringComparison.Ordinal)), l => Assert.Equal(7, l.Split(',').Length));
        Assert.StartsWith("notes/readme.txt,,,\"", lines.Single(l => l.StartsWith("notes/", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains(".zip archive", (string?)(await Json.ProblemAsync(notZip, 400))["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClassifyingAnArchiveRunsOnTheEngineAskedForWithTheSameAnswers()
    {
        using var client = fixture.Factory.CreateClient();
        using var folder = TinyImageFolder.Create(2);
        var zip = folder.Zip();

        var onnx = await Json.ReadAsync(await client.PostAsync($"/api/models/{fixture.ModelId}/classifications?engine=onnx", ZipUpload(zip)));
        var torch = await Json.ReadAsync(await client.PostAsync($"/api/models/{fixture.ModelId}/classifications?engine=torch", ZipUpload(zip)));
        var auto = await Json.ReadAsync(await client.PostAsync($"/api/models/{fixture.ModelId}/classifications", ZipUpload(zip)));
        var unknown = await client.PostAsync($"/api/models/{fixture.ModelId}/classifications?engine=tensorflow", ZipUpload(zip));

        Assert.Equal("onnx", (string?)onnx["engine"]);
        Assert.Equal("torch", (string?)torch["engine"]);
        Assert.True((string?)auto["engine"] is "onnx" or "torch", $"engine {auto["engine"]}");
        var byOnnx = onnx["predictions"]!.AsArray().ToDictionary(p => (string)p!["file"]!, p => p!["probabilities"]!.AsObject());
        foreach (var p in torch["predictions"]!.AsArray())
        {
            foreach (var (label, value) in p!["probabilities"]!.AsObject())
                Assert.Equal((double)value!, (double)byOnnx[(string)p["file"]!][label]!, 4);
        }

        Assert.Contains("onnx, torch", (string?)(await Json.ProblemAsync(unknown, 400))["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelPageShowsTheFullFiguresCurvesClickableCellsAndMistakes()
    {
        var html = await fixture.Factory.PageAsync($"/models/{fixture.ModelId}");

        foreach (var id in new[] { "metric-balanced-accuracy", "metric-roc-auc", "metric-ece", "metric-latency", "metric-top-2", "explain-method", "export-onnx" })
        {
            Assert.Contains($"data-testid=\"{id}\"", html, StringComparison.Ordinal);
        }

        Assert.Contains($"href=\"/api/models/{fixture.ModelId}/export?format=onnx\"", html, StringComparison.Ordinal);

        foreach (var chart in new[] { "roc-chart", "pr-chart", "reliability-chart" })
        {
            Assert.True(Points(html, chart) > 0, $"{chart} is empty");
        }

        Assert.Equal(9, Regex.Count(html, "data-testid=\"confusion-cell\""));
        Assert.Matches(new Regex("data-testid=\"mistakes(-empty)?\""), html);
    }

    [Fact]
    public async Task ComparePageOffersSelectionAndTheNewColumns()
    {
        var html = await fixture.Factory.PageAsync("/compare");

        Assert.Contains("data-testid=\"compare-selected\"", html, StringComparison.Ordinal);
        Assert.Contains("ROC AUC", html, StringComparison.Ordinal);
        Assert.Contains("ECE", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"/models/{fixture.ModelId}\"", html, StringComparison.Ordinal);
    }

    private static int Points(string html, string chart)
    {
        var match = Regex.Match(html, $"data-testid=\"{chart}\" data-points=\"(\\d+)\"");
        Assert.True(match.Success, $"{chart} is missing");
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static MultipartFormDataContent ZipUpload(string path)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(File.ReadAllBytes(path));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        form.Add(file, "file", "photos.zip");
        return form;
    }

    private static MultipartFormDataContent Upload(string name, byte[] bytes)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", name);
        return form;
    }

    private static Task<string> TrainAsync(HttpClient client) => TrainedModels.TrainAsync(
        client, new { dataset = "colours", mode = "head", epochs = 1, batch_size = 8, image_size = 32, threads = 2 }, TimeSpan.FromSeconds(120));
}
