using System.Text.Json;
using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary><c>vf evaluate</c> (full figures, other datasets, mistakes), <c>vf explain</c>, <c>vf compare</c> and the leaderboard.</summary>
public sealed class CliCompareTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task EvaluateJsonCarriesEveryFigureOfTheFullReport()
    {
        var evaluation = await fixture.Cli.RunJsonAsync("evaluate", fixture.ModelId);

        Assert.Equal(fixture.ModelId, evaluation.GetProperty("model").GetString());
        Assert.InRange(evaluation.GetProperty("accuracy").GetDouble(), 0.9, 1.0);
        Assert.InRange(evaluation.GetProperty("macro_f1").GetDouble(), 0.85, 1.0);
        Assert.InRange(evaluation.GetProperty("balanced_accuracy").GetDouble(), 0.85, 1.0);
        Assert.Equal(2, evaluation.GetProperty("per_class").GetArrayLength());
        Assert.Equal(2, evaluation.GetProperty("confusion_matrix").GetArrayLength());
        var auc = evaluation.GetProperty("roc_auc");
        Assert.InRange(auc.GetProperty("circles").GetDouble(), 0.5, 1.0);
        Assert.InRange(auc.GetProperty("squares").GetDouble(), 0.5, 1.0);
        Assert.InRange(evaluation.GetProperty("ece").GetDouble(), 0, 1);
        Assert.Equal(10, evaluation.GetProperty("calibration").GetProperty("bins").GetArrayLength());
        Assert.Equal(2, evaluation.GetProperty("curves").GetArrayLength());
        Assert.Equal(1.0, evaluation.GetProperty("normalized_confusion_matrix")[0].EnumerateArray().Sum(v => v.GetDouble()), 6);
        Assert.True(evaluation.GetProperty("latency_ms_per_image").GetDouble() > 0);
        Assert.Equal("shapes", evaluation.GetProperty("dataset").GetString());

        // The stress test of the evaluation stored after training: every change, its accuracy and recall per class.
        var stress = evaluation.GetProperty("stress_test");
        var changes = stress.GetProperty("changes").EnumerateArray().ToList();
        Assert.Equal(["hue_rotation", "greyscale", "brightness_contrast", "blur", "jpeg", "crop_shift", "occlusion"], changes.Select(c => c.GetProperty("name").GetString()));
        Assert.All(changes, c =>
        {
            Assert.InRange(c.GetProperty("accuracy").GetDouble(), 0, 1);
            Assert.InRange(c.GetProperty("recall").GetProperty("circles").GetDouble(), 0, 1);
            Assert.InRange(c.GetProperty("baseline_recall").GetProperty("squares").GetDouble(), 0, 1);
            Assert.False(string.IsNullOrWhiteSpace(c.GetProperty("description").GetString()));
        });
        Assert.Equal(JsonValueKind.Array, stress.GetProperty("warnings").ValueKind);
        Assert.True(stress.GetProperty("forwards").GetInt32() > 0);
    }

    [Fact]
    public async Task EvaluateOnAnotherDatasetUsesAllItsImagesAndRefusesUnknownClasses()
    {
        // New images of the same two kinds, never seen in training.
        var other = fixture.Cli.Scratch("shapes-new");
        foreach (var (name, style) in new[] { ("circles", 0), ("squares", 1) })
        {
            Directory.CreateDirectory(Path.Combine(other, name));
            for (var i = 0; i < 6; i++)
            {
                await File.WriteAllBytesAsync(Path.Combine(other, name, $"{i}.png"), SyntheticImages.Encode(style, 100 + i));
            }
        }

        await fixture.Cli.RunJsonAsync("dataset", "import", "shapes-new", other);
        var strange = fixture.Cli.Scratch("strange");
        SyntheticImages.WriteDataset(strange, ["circles", "triangles"], perClass: 4);
        await fixture.Cli.RunJsonAsync("dataset", "import", "strange", strange);

        var evaluation = await fixture.Cli.RunJsonAsync("evaluate", fixture.ModelId, "--dataset", "shapes-new@1");
        var refused = await fixture.Cli.RunAsync("evaluate", fixture.ModelId, "--dataset", "strange", "--json");

        Assert.Equal("all", evaluation.GetProperty("split").GetString());
        Assert.Equal(12, evaluation.GetProperty("images").GetInt32());
        Assert.Equal("shapes-new", evaluation.GetProperty("dataset").GetString());
        Assert.InRange(evaluation.GetProperty("accuracy").GetDouble(), 0.8, 1.0);
        Assert.Equal(7, evaluation.GetProperty("stress_test").GetProperty("changes").GetArrayLength());
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("'triangles'", refused.Error, StringComparison.Ordinal);
        Assert.Contains("matched by name", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvaluateMistakesListsTheWrongImagesMostConfidentFirst()
    {
        var result = await fixture.Cli.RunJsonAsync("evaluate", fixture.ModelId, "--mistakes", "--limit", "5");
        var evaluation = await fixture.Cli.RunJsonAsync("evaluate", fixture.ModelId);

        var mistakes = result.GetProperty("mistakes").EnumerateArray().ToList();
        var wrong = evaluation.GetProperty("images").GetInt32() - (int)Math.Round(evaluation.GetProperty("accuracy").GetDouble() * evaluation.GetProperty("images").GetInt32());
        Assert.Equal(Math.Min(5, wrong), mistakes.Count);
        Assert.All(mistakes, m => Assert.NotEqual(m.GetProperty("true_class").GetString(), m.GetProperty("predicted_class").GetString()));
        var confidences = mistakes.Select(m => m.GetProperty("confidence").GetDouble()).ToList();
        Assert.Equal(confidences.OrderDescending(), confidences);
    }

    [Fact]
    public async Task ExplainWritesAHeatMapPngAndNamesThePrediction()
    {
        var image = Path.Combine(fixture.Source, "squares", "001.jpg");
        var output = Path.Combine(fixture.Cli.Scratch("explained"), "square.png");

        var explained = await fixture.Cli.RunJsonAsync("explain", fixture.ModelId, image, "--method", "gradcam++", "--size", "96", "-o", output);

        Assert.Equal(output, explained.GetProperty("output").GetString());
        Assert.Equal("gradcam++", explained.GetProperty("method").GetString());
        Assert.Equal("squares", explained.GetProperty("explained_class").GetString());
        Assert.Contains(explained.GetProperty("label").GetString(), (string[])["circles", "squares"]);
        Assert.Equal("layer3", explained.GetProperty("layer").GetString());
        var png = await File.ReadAllBytesAsync(output);
        Assert.Equal(PngSignature, png[..8]);
        using var decoded = SkiaSharp.SKBitmap.Decode(png);
        Assert.Equal((96, 96), (decoded.Width, decoded.Height));
    }

    [Fact]
    public async Task ExplainWithCamWhereItDoesNotApplyExitsTwoSayingWhatToUse()
    {
        var image = Path.Combine(fixture.Source, "circles", "000.png");

        var result = await fixture.Cli.RunAsync("explain", fixture.ModelId, image, "--method", "cam", "-o", Path.Combine(fixture.Cli.Scratch("cam"), "x.png"));
        var badMethod = await fixture.Cli.RunAsync("explain", fixture.ModelId, image, "--method", "lime");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("use gradcam", result.Error, StringComparison.Ordinal);
        Assert.Equal(2, badMethod.ExitCode);
        Assert.Contains("cam, gradcam, gradcam++", badMethod.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PredictClassifiesAFolderAndAZipAndWritesCsv()
    {
        var zip = Path.Combine(fixture.Cli.Scratch("zipped"), "circles.zip");
        System.IO.Compression.ZipFile.CreateFromDirectory(Path.Combine(fixture.Source, "circles"), zip);
        var csv = Path.Combine(fixture.Cli.Scratch("csv"), "results.csv");

        var result = await fixture.Cli.RunJsonAsync("predict", fixture.ModelId, Path.Combine(fixture.Source, "squares"), zip, "--csv", csv);

        var predictions = result.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal(40, predictions.Count);
        Assert.Equal(20, predictions.Count(p => p.GetProperty("file").GetString()!.StartsWith(zip + "!", StringComparison.Ordinal)));
        Assert.True(predictions.Count(p => p.GetProperty("file").GetString()!.Contains('!', StringComparison.Ordinal) && p.GetProperty("label").GetString() == "circles") >= 18);
        var lines = await File.ReadAllLinesAsync(csv);
        Assert.Equal("file,label,confidence,error,circles,squares", lines[0]);
        Assert.Equal(41, lines.Length);
        var first = lines[1].Split(',');
        Assert.Equal(1.0, double.Parse(first[4], System.Globalization.CultureInfo.InvariantCulture) + double.Parse(first[5], System.Globalization.CultureInfo.InvariantCulture), 4);
    }

    [Fact]
    public async Task CompareMarksTheBestModelPerMetricAndModelsRankByAnyMetric()
    {
        var second = await fixture.Cli.RunJsonAsync("train", "shapes", "--mode", "head", "--image-size", "32", "--epochs", "2", "--batch-size", "8", "--wait");
        var secondId = second.GetProperty("model").GetString()!;

        var comparison = await fixture.Cli.RunJsonAsync("compare", fixture.ModelId, secondId);
        var ranked = await fixture.Cli.RunJsonAsync("models", "--dataset", "shapes", "--sort", "loss");
        var unknown = await fixture.Cli.RunAsync("models", "--sort", "beauty");

        var models = comparison.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal([fixture.ModelId, secondId], models.Select(m => m.GetProperty("model").GetString()));
        var losses = models.ToDictionary(m => m.GetProperty("model").GetString()!, m => m.GetProperty("metrics").GetProperty("loss").GetDouble());
        var bestLoss = comparison.GetProperty("best").GetProperty("loss").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(losses.Where(l => l.Value == losses.Values.Min()).Select(l => l.Key), bestLoss);

        var order = ranked.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("metrics").GetProperty("loss").GetDouble()).ToList();
        Assert.True(order.Count >= 2);
        Assert.Equal(order.Order(), order);
        Assert.Equal("loss", ranked.GetProperty("sort").GetString());
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("macro_f1", unknown.Error, StringComparison.Ordinal);
    }
}
