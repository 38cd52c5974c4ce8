using System.Text.Json;
using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary>
/// <c>vf models import</c>, each command a <c>vf</c> process of its own: an exported model comes back as a new model that
/// predicts like the original and evaluates on a dataset; a graph from elsewhere is wrapped in the input preparation it
/// was given; graphs that break the contract, or come without labels, are refused with one message and nothing registered.
/// </summary>
public sealed class CliModelImportTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public async Task AnExportedModelImportedBackPredictsLikeTheOriginalAndEvaluatesOnADataset()
    {
        var zip = Path.Combine(fixture.Cli.Scratch("import-roundtrip"), "shapes-model.zip");
        await VfJsonAsync("models", "export", fixture.ModelId, "-o", zip);

        var imported = await VfJsonAsync("models", "import", zip, "--dataset", "shapes", "--name", "shapes-roundtrip");

        var id = imported.GetProperty("model").GetString()!;
        Assert.NotEqual(fixture.ModelId, id);
        Assert.True(imported.GetProperty("vision_factory_export").GetBoolean());
        Assert.Equal("onnx", imported.GetProperty("engine").GetString());
        Assert.Equal(["circles", "squares"], imported.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("shapes", imported.GetProperty("dataset").GetString());
        Assert.True(imported.GetProperty("accuracy").GetDouble() >= 0.9, imported.ToString());

        var images = Directory.GetFiles(Path.Combine(fixture.Source, "circles")).Order(StringComparer.Ordinal).Take(3)
            .Concat(Directory.GetFiles(Path.Combine(fixture.Source, "squares")).Order(StringComparer.Ordinal).Take(3)).ToArray();
        var original = (await VfJsonAsync(["predict", fixture.ModelId, .. images, "--engine", "torch"])).GetProperty("predictions").EnumerateArray().ToList();
        var again = await VfJsonAsync(["predict", id, .. images]);
        Assert.Equal("onnx", again.GetProperty("engine").GetString());
        var predictions = again.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal(images.Length, predictions.Count);
        for (var i = 0; i < images.Length; i++)
        {
            Assert.Equal(original[i].GetProperty("label").GetString(), predictions[i].GetProperty("label").GetString());
            foreach (var label in (string[])["circles", "squares"])
            {
                Assert.Equal(
                    original[i].GetProperty("probabilities").GetProperty(label).GetDouble(),
                    predictions[i].GetProperty("probabilities").GetProperty(label).GetDouble(), 1e-4);
            }
        }

        var evaluated = await VfJsonAsync("evaluate", id, "--dataset", "shapes", "--split", "all");
        var reference = await VfJsonAsync("evaluate", fixture.ModelId, "--dataset", "shapes", "--split", "all");
        Assert.Equal(40, evaluated.GetProperty("images").GetInt32());
        Assert.Equal(reference.GetProperty("accuracy").GetDouble(), evaluated.GetProperty("accuracy").GetDouble(), 1e-9);

        var leaderboard = (await VfJsonAsync("models", "--dataset", "shapes", "--sort", "accuracy")).GetProperty("models").EnumerateArray().ToList();
        var listed = Assert.Single(leaderboard, m => m.GetProperty("model").GetString() == id);
        Assert.Equal("shapes-roundtrip", listed.GetProperty("architecture").GetString());
        Assert.Equal("shapes-model.zip", listed.GetProperty("imported_from").GetString());
        Assert.NotEqual(JsonValueKind.Null, listed.GetProperty("accuracy").ValueKind);
    }

    [Fact]
    public async Task AnImportedModelRefusesExplanationsAndTheTorchEngineWithAReason()
    {
        var graph = Path.Combine(fixture.Cli.Scratch("import-refusals"), "colour.onnx");
        await File.WriteAllBytesAsync(graph, ColourMeanClassifier.RedOrGreen().Write());
        var id = (await VfJsonAsync("models", "import", graph, "--labels", "circles,squares", "--mean", "0.5,0.5,0.5", "--std", "0.25,0.25,0.25"))
            .GetProperty("model").GetString()!;
        var image = Directory.GetFiles(Path.Combine(fixture.Source, "circles")).Order(StringComparer.Ordinal).First();

        var explain = await VfAsync("explain", id, image, "-o", Path.Combine(fixture.Cli.Scratch("import-refusals"), "cam.png"));
        var torch = await VfAsync("predict", id, image, "--engine", "torch");
        var ownSplit = await VfAsync("evaluate", id);

        Assert.Equal(2, explain.ExitCode);
        Assert.Contains($"model {id} was imported from an ONNX file", explain.Error, StringComparison.Ordinal);
        Assert.Contains("explanations (CAM / Grad-CAM)", explain.Error, StringComparison.Ordinal);
        Assert.Equal(2, torch.ExitCode);
        Assert.Contains("runs on ONNX Runtime only", torch.Error, StringComparison.Ordinal);
        Assert.Equal(2, ownSplit.ExitCode);
        Assert.Contains("imported without a dataset", ownSplit.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGraphFromElsewhereIsWrappedInThePreparationItWasGiven()
    {
        var classifier = ColourMeanClassifier.RedOrGreen(size: null);
        var graph = Path.Combine(fixture.Cli.Scratch("import-foreign"), "colour.onnx");
        await File.WriteAllBytesAsync(graph, classifier.Write());
        var labels = Path.Combine(fixture.Cli.Scratch("import-foreign"), "labels.txt");
        await File.WriteAllTextAsync(labels, "circles\nsquares\n");

        var imported = await VfJsonAsync("models", "import", graph, "--labels-file", labels, "--size", "24", "--mean", "0.4,0.5,0.6", "--std", "0.2,0.25,0.3");

        Assert.False(imported.GetProperty("vision_factory_export").GetBoolean());
        Assert.Equal(("pixels", "scores", 24), (imported.GetProperty("input").GetString(), imported.GetProperty("output").GetString(), imported.GetProperty("image_size").GetInt32()));
        var id = imported.GetProperty("model").GetString()!;
        var images = Directory.GetFiles(Path.Combine(fixture.Source, "circles")).Order(StringComparer.Ordinal).Take(2)
            .Concat(Directory.GetFiles(Path.Combine(fixture.Source, "squares")).Order(StringComparer.Ordinal).Take(2)).ToArray();
        var predictions = (await VfJsonAsync(["predict", id, .. images])).GetProperty("predictions").EnumerateArray().ToList();
        for (var i = 0; i < images.Length; i++)
        {
            var expected = classifier.Probabilities(await File.ReadAllBytesAsync(images[i]), 24, [0.4, 0.5, 0.6], [0.2, 0.25, 0.3]);
            Assert.Equal(expected[0], predictions[i].GetProperty("probabilities").GetProperty("circles").GetDouble(), 1e-4);
            Assert.Equal(expected[1], predictions[i].GetProperty("probabilities").GetProperty("squares").GetDouble(), 1e-4);
        }

        // Red circles and green squares: the colour rule gets them right, and evaluating by class name says so.
        var evaluated = await VfJsonAsync("evaluate", id, "--dataset", "shapes", "--split", "all");
        Assert.Equal(1.0, evaluated.GetProperty("accuracy").GetDouble());
    }

    [Fact]
    public async Task AnImportedModelClassifiesInAPipeline()
    {
        var classifier = ColourMeanClassifier.RedOrGreen();
        var folder = fixture.Cli.Scratch("import-pipeline");
        var graph = Path.Combine(folder, "colour.onnx");
        await File.WriteAllBytesAsync(graph, classifier.Write());
        var id = (await VfJsonAsync("models", "import", graph, "--labels", "circles,squares", "--mean", "0.5,0.5,0.5", "--std", "0.25,0.25,0.25"))
            .GetProperty("model").GetString()!;
        var inbox = Path.Combine(folder, "inbox");
        Directory.CreateDirectory(inbox);
        var pictures = Enumerable.Range(0, 4).Select(i => SyntheticImages.Encode(i % 2, 200 + i, 32, distinct: true)).ToList();
        for (var i = 0; i < pictures.Count; i++)
            await File.WriteAllBytesAsync(Path.Combine(inbox, $"{i}.png"), pictures[i]);
        var definition = Path.Combine(folder, "colours.json");
        await File.WriteAllTextAsync(definition, JsonSerializer.Serialize(new
        {
            name = "colours",
            steps = new object[]
            {
                new { component = "folder_watch", settings = new { path = inbox, include_existing = true, poll_ms = 100 } },
                new { component = "classify", settings = new { model = id } },
                new { component = "file", settings = new { file_name = "colours.csv", format = "csv" } },
            },
        }));

        var run = await VfJsonAsync("pipeline", "run", definition, "--duration", "4");

        Assert.True(run.GetProperty("frames").GetInt64() == 4, run.ToString());
        var rows = File.ReadAllLines(Path.Combine(fixture.Cli.DataPath, "exports", "colours.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(["circles", "circles", "squares", "squares"], rows.Select(r => r[^2]).Order(StringComparer.Ordinal));
        var expected = pictures.Select(p => classifier.Probabilities(p, 16, [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]).Max()).ToList();
        foreach (var confidence in rows.Select(r => double.Parse(r[^1], System.Globalization.CultureInfo.InvariantCulture)))
            Assert.Contains(expected, e => Math.Abs(e - confidence) < 1e-4);
    }

    [Theory]
    [InlineData("wrong-output-size", "--labels", "circles,squares,triangles", "output 'scores' scores 2 classes, but 3 labels were given")]
    [InlineData("two-inputs", "--labels", "circles,squares", "has 2 inputs ('pixels', 'mask'); an image classifier takes exactly one")]
    [InlineData("no-labels", null, null, "carries no class names: give them in output order with --labels a,b,c or --labels-file")]
    [InlineData("no-preparation", "--labels", "circles,squares", "nothing in it says how its input is prepared; give --mean, --std")]
    public async Task AGraphBreakingTheContractIsRefusedAndNothingRegistered(string name, string? option, string? value, string message)
    {
        var classifier = name == "two-inputs"
            ? new ColourMeanClassifier { Weights = new float[,] { { 1, 0 }, { 0, 1 }, { 0, 0 } }, Bias = [0, 0], SecondInput = true }
            : ColourMeanClassifier.RedOrGreen();
        var graph = Path.Combine(fixture.Cli.Scratch("import-" + name), name + ".onnx");
        await File.WriteAllBytesAsync(graph, classifier.Write());
        var before = (await VfJsonAsync("models")).GetProperty("models").GetArrayLength();
        string[] preparation = name == "no-preparation" ? [] : ["--mean", "0,0,0", "--std", "1,1,1"];

        var result = await VfAsync(["models", "import", graph, .. option is null ? Array.Empty<string>() : [option, value!], .. preparation]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.Equal(before, (await VfJsonAsync("models")).GetProperty("models").GetArrayLength());
    }

    private Task<VfCommandResult> VfAsync(params string[] args) => VfCommand.RunAsync([.. args, "--data", fixture.Cli.DataPath]);

    private async Task<JsonElement> VfJsonAsync(params string[] args)
    {
        var result = await VfAsync([.. args, "--json"]);
        Assert.True(result.ExitCode == 0, $"vf {string.Join(' ', args)} exited {result.ExitCode}: {result.Error}");
        return result.Json;
    }
}
