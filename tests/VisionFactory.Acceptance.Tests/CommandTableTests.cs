using System.IO.Compression;
using System.Text.Json;
using VisionFactory.Testing;

namespace VisionFactory.Acceptance.Tests;

/// <summary>
/// One call of every command in the README's table, each as its own process of the published vf with a fresh home,
/// on one data directory: exit codes, the documented JSON fields, and outputs that make sense.
/// </summary>
[Collection(PublishedVfGroup.Name)]
public sealed class CommandTableTests(PublishedVf vf)
{
    [Fact]
    public void EveryCommandOfTheReadmeWorksInAProcessOfItsOwn()
    {
        var here = vf.NewFolder("table");
        var data = Path.Combine(here, "data");
        var shapes = Path.Combine(here, "shapes");
        var other = Path.Combine(here, "shapes-other");
        SyntheticImages.WriteDataset(shapes, ["circles", "squares"], perClass: 20, distinct: true);
        SyntheticImages.WriteDataset(other, ["circles", "squares"], perClass: 6, firstStyle: 40, distinct: true);
        var zip = Path.Combine(here, "shapes.zip");
        ZipFile.CreateFromDirectory(shapes, zip);
        JsonElement Vf(params string[] args) => vf.Json(here, [.. args, "--data", data]);
        VfResult Plain(params string[] args) => vf.Run(here, null, [.. args, "--data", data]);

        // Who am I, what can I do.
        var version = vf.Run(here, null, "--version");
        version.AssertSucceeded();
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Output.Trim());
        var help = vf.Run(here, null, "--help");
        help.AssertSucceeded();
        foreach (var command in (string[])["dataset", "zoo", "train", "sweep", "runs", "models", "evaluate", "compare", "explain", "predict", "pipeline", "serve", "import-jobs"])
            Assert.Contains(command, help.Output, StringComparison.Ordinal);

        // Collect.
        var imported = Vf("dataset", "import", "shapes", shapes);
        Assert.Equal(40, Count(imported, "images"));
        Vf("dataset", "import", "shapes-zip", zip);
        Vf("dataset", "import", "shapes-other", other);
        var datasets = Vf("dataset", "list").GetProperty("datasets").EnumerateArray().Select(d => d.GetProperty("name").GetString()).ToList();
        Assert.Equal(["shapes", "shapes-other", "shapes-zip"], datasets.Order(StringComparer.Ordinal));
        var publicDatasets = Vf("dataset", "public", "list").GetProperty("datasets").EnumerateArray().Select(d => d.GetProperty("id").GetString()).ToList();
        Assert.Equal(["cifar10", "cifar100", "mnist", "fashion-mnist", "hymenoptera"], publicDatasets);
        var exported = Path.Combine(here, "export.zip");
        Vf("dataset", "export", "shapes", exported);
        using (var archive = ZipFile.OpenRead(exported))
            Assert.Equal(40, archive.Entries.Count(e => Path.GetExtension(e.FullName) is ".png" or ".jpg"));

        // Review.
        var show = Vf("dataset", "show", "shapes");
        Assert.Equal("shapes", show.GetProperty("name").GetString());
        var review = Vf("dataset", "review", "shapes", "--hashes-only");
        Assert.Equal(JsonValueKind.Object, review.ValueKind);
        var fix = Plain("dataset", "fix", "shapes", "drop-exact-duplicates");
        fix.AssertNoStackTrace();
        Assert.True(fix.ExitCode is 0 or 2, $"dataset fix exited {fix.ExitCode}: {fix.Error}");

        // Choose.
        var zoo = Vf("zoo", "list");
        Assert.True(ArrayOf(zoo, "architectures").Count >= 30, zoo.ToString()[..Math.Min(400, zoo.ToString().Length)]);
        var missingWeights = Plain("zoo", "import-weights", "resnet18", Path.Combine(here, "missing.pth"));
        missingWeights.AssertNoStackTrace();
        Assert.Equal(3, missingWeights.ExitCode);
        Assert.Contains("does not exist", missingWeights.Error, StringComparison.Ordinal);
        var published = ArrayOf(Vf("zoo", "weights", "list"), "weights");
        Assert.True(published.Count >= 40, $"{published.Count} catalogued weights files");
        Assert.Contains(published, w => w.GetProperty("address").GetString() == "https://download.pytorch.org/models/resnet18-f37072fd.pth"
            && w.GetProperty("sha256").GetString() == "f37072fd" && !w.GetProperty("present").GetBoolean());
        var noWeightsFolder = Plain("zoo", "weights", "import", "--folder", shapes);
        noWeightsFolder.AssertNoStackTrace();
        Assert.Equal(2, noWeightsFolder.ExitCode);
        Assert.Contains("holds no catalogued weights file", noWeightsFolder.Error, StringComparison.Ordinal);

        // Train.
        string[] quick = ["--mode", "head", "--image-size", "32", "--epochs", "20", "--batch-size", "8"];
        var first = Vf(["train", "shapes", .. quick, "--wait"]);
        var model = first.GetProperty("model").GetString()!;
        var run = first.GetProperty("run").GetString()!;
        var sweep = Vf(["sweep", "shapes", "--arch", "resnet18-imagenet", "--lr", "0.01,0.1", .. quick, "--wait"]);
        Assert.Equal(JsonValueKind.Object, sweep.ValueKind);
        Assert.True(ArrayOf(Vf("runs", "list"), "runs").Count >= 3);
        Assert.Equal("succeeded", Vf("runs", "show", run).GetProperty("run").GetProperty("state").GetString());
        Plain("runs", "watch", run).AssertSucceeded();
        var queued = Vf(["train", "shapes", .. quick]).GetProperty("id").GetString()!;
        Vf("runs", "cancel", queued);
        Assert.Equal("cancelled", Vf("runs", "show", queued).GetProperty("run").GetProperty("state").GetString());
        Vf("runs", "resume", queued);
        Vf("runs", "cancel", queued);

        // Compare.
        var models = ArrayOf(Vf("models"), "models");
        Assert.True(models.Count >= 3, $"{models.Count} models");
        var second = models.Select(m => m.GetProperty("model").GetString()!).First(id => id != model);
        Vf("models", "--dataset", "shapes", "--sort", "macro_f1");
        Assert.True(Vf("evaluate", model).GetProperty("accuracy").GetDouble() >= 0.9);
        Assert.True(Vf("evaluate", model, "--recompute").GetProperty("accuracy").GetDouble() >= 0.9);
        var across = Vf("evaluate", model, "--dataset", "shapes-other", "--split", "all");
        Assert.Equal(12, across.GetProperty("images").GetInt32());
        Vf("evaluate", model, "--mistakes");
        Vf("compare", model, second);
        var heat = Path.Combine(here, "heat.png");
        Vf("explain", model, Directory.EnumerateFiles(Path.Combine(shapes, "circles")).First(), "--method", "gradcam", "-o", heat);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(heat)[..4]);

        // Predict.
        var csv = Path.Combine(here, "predictions.csv");
        var predicted = Vf("predict", model, Path.Combine(other, "squares"), "--csv", csv);
        Assert.Equal(6, predicted.GetProperty("predictions").GetArrayLength());
        Assert.Equal(7, File.ReadAllLines(csv).Length);
        Assert.Equal(40, Vf("predict", model, zip).GetProperty("predictions").GetArrayLength());

        // Operate.
        var catalog = Vf("pipeline", "catalog");
        Assert.Contains(catalog.EnumerateArray(), c => c.GetProperty("id").GetString() == "classify");
        var inbox = Path.Combine(here, "inbox");
        Directory.CreateDirectory(inbox);
        foreach (var (file, i) in Directory.EnumerateFiles(Path.Combine(other, "circles")).Take(3).Select((f, i) => (f, i)))
            File.Copy(file, Path.Combine(inbox, $"{i}.png"));
        var definition = Path.Combine(here, "inbox.json");
        File.WriteAllText(definition, JsonSerializer.Serialize(new
        {
            name = "inbox",
            steps = new object[]
            {
                new { component = "folder_watch", settings = new { path = inbox, include_existing = true, poll_ms = 100 } },
                new { component = "classify", settings = new { model } },
                new { component = "results_store" },
            },
        }));
        Vf("pipeline", "validate", definition);
        Vf("pipeline", "save", definition);
        Assert.Contains(ArrayOf(Vf("pipeline", "list"), "pipelines"), p => p.GetProperty("name").GetString() == "inbox");
        var ran = Vf("pipeline", "run", definition, "--duration", "4");
        Assert.Equal(3, ran.GetProperty("frames").GetInt64());
        var suggestion = Vf("pipeline", "suggest", "shapes", "--min-accuracy", "0.5", "--max-latency-ms", "100000");
        Assert.StartsWith("m-", suggestion.GetProperty("choice").GetString(), StringComparison.Ordinal);

        // Import jobs.
        var jobs = ArrayOf(Vf("import-jobs", "list"), "jobs");
        Assert.True(jobs.Count >= 3, $"{jobs.Count} import jobs");
        var job = jobs[0].GetProperty("id").GetString()!;
        Assert.Equal("succeeded", Vf("import-jobs", "show", job).GetProperty("state").GetString());
        var cancelEnded = Plain("import-jobs", "cancel", job);
        cancelEnded.AssertNoStackTrace();
        Assert.Equal(4, cancelEnded.ExitCode);
    }

    private static int Count(JsonElement element, string property) => element.GetProperty(property).GetInt32();

    /// <summary>A list that a command prints either as the document itself or under <paramref name="property"/>.</summary>
    private static List<JsonElement> ArrayOf(JsonElement element, string property) =>
        (element.ValueKind == JsonValueKind.Array ? element : element.GetProperty(property)).EnumerateArray().ToList();
}
