using System.Text.Json;

namespace VisionFactory.Cli.Tests;

public sealed class CliSpineTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public void ImportReportsClassesImagesAndSplit()
    {
        var import = fixture.Import;

        Assert.Equal(1, import.GetProperty("version").GetInt32());
        Assert.Equal(40, import.GetProperty("images").GetInt32());
        var classes = import.GetProperty("classes").EnumerateArray().ToList();
        Assert.Equal(["circles", "squares"], classes.Select(c => c.GetProperty("name").GetString()));
        // 70 / 15 / 15 of 20 per class: the fixture's images have no near-duplicates, so the grouped split moves none.
        Assert.All(classes, c => Assert.Equal((14, 3, 3), (c.GetProperty("train").GetInt32(), c.GetProperty("validation").GetInt32(), c.GetProperty("test").GetInt32())));
    }

    [Fact]
    public async Task ShowGivesSizeStatisticsAndFormats()
    {
        var show = await fixture.Cli.RunJsonAsync("dataset", "show", "shapes");

        var sizes = show.GetProperty("sizes");
        Assert.Equal(32, sizes.GetProperty("min_width").GetInt32());
        Assert.Equal(32, sizes.GetProperty("min_height").GetInt32());
        Assert.Equal(34, sizes.GetProperty("max_height").GetInt32());
        Assert.Equal(20, show.GetProperty("formats").GetProperty("png").GetInt32());
        Assert.Equal(20, show.GetProperty("formats").GetProperty("jpeg").GetInt32());
    }

    [Fact]
    public void TrainPrintsTheModelHistoryAndHeldOutEvaluation()
    {
        var train = fixture.Train;

        Assert.StartsWith("m-", fixture.ModelId, StringComparison.Ordinal);
        var history = train.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(30, history.Count);
        Assert.True(history[^1].GetProperty("train_loss").GetDouble() < history[0].GetProperty("train_loss").GetDouble());
        Assert.True(train.GetProperty("evaluation").GetProperty("accuracy").GetDouble() >= 0.9);
    }

    [Fact]
    public async Task EvaluatePrintsAccuracyLossF1PerClassAndConfusionMatrix()
    {
        var evaluation = await fixture.Cli.RunJsonAsync("evaluate", fixture.ModelId);

        Assert.Equal("test", evaluation.GetProperty("split").GetString());
        // 3 test images per class.
        var images = evaluation.GetProperty("images").GetInt32();
        Assert.Equal(6, images);
        Assert.InRange(evaluation.GetProperty("accuracy").GetDouble(), 0.9, 1.0);
        Assert.True(evaluation.GetProperty("loss").GetDouble() >= 0);
        Assert.InRange(evaluation.GetProperty("macro_f1").GetDouble(), 0.85, 1.0);
        var perClass = evaluation.GetProperty("per_class").EnumerateArray().ToList();
        Assert.Equal(["circles", "squares"], perClass.Select(c => c.GetProperty("class").GetString()));
        Assert.All(perClass, c => Assert.Equal(3, c.GetProperty("support").GetInt32()));
        var matrix = evaluation.GetProperty("confusion_matrix").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        Assert.Equal(images, matrix.Sum(r => r.Sum()));
    }

    [Fact]
    public async Task RecomputedEvaluationThroughTheSavedArtifactMatchesTheStoredOne()
    {
        var stored = await fixture.Cli.RunJsonAsync("evaluate", fixture.ModelId);
        var recomputed = await fixture.Cli.RunJsonAsync("evaluate", fixture.ModelId, "--recompute");

        Assert.Equal(stored.GetProperty("accuracy").GetDouble(), recomputed.GetProperty("accuracy").GetDouble());
        Assert.Equal(stored.GetProperty("loss").GetDouble(), recomputed.GetProperty("loss").GetDouble(), 4);
        // The stress test repeats exactly: the same sample and the same change of every image.
        static string Recalls(JsonElement report) => string.Join(";", report.GetProperty("stress_test").GetProperty("changes").EnumerateArray()
            .Select(c => c.GetProperty("name").GetString() + "=" + c.GetProperty("recall").GetRawText()));
        Assert.Equal(Recalls(stored), Recalls(recomputed));

        // The head-only model was evaluated after training through cached features, and again through its artifact: the
        // heat-map check looks at the same sample with the same network either way.
        var before = stored.GetProperty("heat_map_check");
        var after = recomputed.GetProperty("heat_map_check");
        Assert.Equal(before.GetProperty("sampled_images").GetInt32(), after.GetProperty("sampled_images").GetInt32());
        Assert.True(before.GetProperty("sampled_images").GetInt32() > 0);
        for (var c = 0; c < 2; c++)
        {
            var first = before.GetProperty("classes")[c].GetProperty("mean_map").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var second = after.GetProperty("classes")[c].GetProperty("mean_map").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(first.Length, second.Length);
            Assert.All(first.Zip(second), pair => Assert.Equal(pair.First, pair.Second, 3));
        }
    }

    [Fact]
    public async Task PredictLabelsFilesAndFoldersWithConfidences()
    {
        var circle = Path.Combine(fixture.Source, "circles", "000.png");
        var squares = Path.Combine(fixture.Source, "squares");

        var result = await fixture.Cli.RunJsonAsync("predict", fixture.ModelId, circle, squares);

        var predictions = result.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal(21, predictions.Count);
        Assert.Equal("circles", predictions[0].GetProperty("label").GetString());
        Assert.True(predictions.Skip(1).Count(p => p.GetProperty("label").GetString() == "squares") >= 18);
        Assert.All(predictions, p =>
        {
            var probabilities = p.GetProperty("probabilities").EnumerateObject().Select(x => x.Value.GetDouble()).ToList();
            Assert.Equal(1.0, probabilities.Sum(), 3);
            Assert.Equal(probabilities.Max(), p.GetProperty("confidence").GetDouble(), 6);
        });
    }

    [Fact]
    public async Task PredictReportsANonImageFileAndExitsNonZero()
    {
        var text = Path.Combine(fixture.Cli.Scratch("mixed"), "notes.txt");
        await File.WriteAllTextAsync(text, "hello");
        var image = Path.Combine(fixture.Source, "circles", "001.jpg");

        var result = await fixture.Cli.RunAsync("predict", fixture.ModelId, image, text, "--json");

        Assert.Equal(2, result.ExitCode);
        var predictions = result.Json.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal("circles", predictions[0].GetProperty("label").GetString());
        Assert.Equal(JsonValueKind.Null, predictions[1].GetProperty("label").ValueKind);
        Assert.Contains("not an image", predictions[1].GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PredictReportsAnOversizedFileWithoutReadingIt()
    {
        var big = Path.Combine(fixture.Cli.Scratch("big"), "huge.jpg");
        await using (var file = File.Create(big))
        {
            file.SetLength(65L * 1024 * 1024);
        }

        var result = await fixture.Cli.RunAsync("predict", fixture.ModelId, big, Path.Combine(fixture.Source, "squares", "001.jpg"), "--json");

        Assert.Equal(2, result.ExitCode);
        var predictions = result.Json.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Contains("the limit is 64 MiB", predictions[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("squares", predictions[1].GetProperty("label").GetString());
    }

    [Fact]
    public async Task ModelsListsTheTrainedModel()
    {
        var models = await fixture.Cli.RunJsonAsync("models");

        var model = Assert.Single(models.GetProperty("models").EnumerateArray());
        Assert.Equal(fixture.ModelId, model.GetProperty("model").GetString());
        Assert.Equal("shapes", model.GetProperty("dataset").GetString());
    }

    [Fact]
    public async Task TextOutputShowsTablesAndNextStep()
    {
        var result = await fixture.Cli.RunAsync("evaluate", fixture.ModelId);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("confusion matrix", result.Output, StringComparison.Ordinal);
        Assert.Contains("stress test", result.Output, StringComparison.Ordinal);
        Assert.Contains("hue_rotation", result.Output, StringComparison.Ordinal);
        Assert.Contains("circles", result.Output, StringComparison.Ordinal);
        Assert.Contains("where the model looks", result.Output, StringComparison.Ordinal);
        Assert.Contains("peaks in one spot", result.Output, StringComparison.Ordinal);
    }
}
