using System.Text.Json;
using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary><c>vf pipeline</c>: the catalog, validation, a run from a file, and the model-selection assistant.</summary>
public sealed class CliPipelineTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public async Task CatalogJsonIsAListOfComponentsWithIdAndKind()
    {
        using var cli = new CliRunner();
        var catalog = await cli.RunJsonAsync("pipeline", "catalog");
        Assert.Equal(JsonValueKind.Array, catalog.ValueKind);
        var kinds = catalog.EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!, c => c.GetProperty("kind").GetString());
        Assert.Equal("source", kinds["mjpeg_camera"]);
        Assert.Equal("processor", kinds["face_detection"]);
        Assert.Equal("sink", kinds["webhook"]);
        Assert.All(catalog.EnumerateArray(), c => Assert.Equal("object", c.GetProperty("settings_schema").GetProperty("type").GetString()));
    }

    [Fact]
    public async Task ValidateNamesTheStepAndTheSettingAndExitsWith2()
    {
        using var cli = new CliRunner();
        var file = Path.Combine(cli.Scratch("defs"), "bad.yaml");
        File.WriteAllText(file, """
            name: door
            steps:
              - component: folder_watch
                settings: { path: /tmp, poll_ms: 1 }
              - component: results_store
            """);
        var result = await cli.RunAsync("pipeline", "validate", file);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("step 1 'folder_watch' (folder_watch): Poll interval (ms) (setting 'poll_ms') must be at least 50, not 1", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAndSaveWarnThatAServerWouldRefuseAFolderOutsideItsFolderRoots()
    {
        using var cli = new CliRunner();
        var inbox = cli.Scratch("inbox");
        var file = Path.Combine(cli.Scratch("defs"), "inbox.json");
        File.WriteAllText(file, JsonSerializer.Serialize(new
        {
            name = "inbox",
            steps = new object[] { new { component = "folder_watch", settings = new { path = inbox } }, new { component = "results_store" } },
        }));

        var validated = await cli.RunAsync("pipeline", "validate", file);
        var saved = await cli.RunJsonAsync("pipeline", "save", file);

        Assert.Equal(0, validated.ExitCode);
        Assert.Contains("warning", validated.Output, StringComparison.Ordinal);
        Assert.Contains("Pipelines:FolderRoots", validated.Output, StringComparison.Ordinal);
        var warning = saved.GetProperty("warnings")[0].GetString()!;
        Assert.Contains("step 1 'folder_watch' (folder_watch): Start will be refused", warning, StringComparison.Ordinal);
        Assert.Contains($"Pipelines__FolderRoots__0={inbox}", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAssistantShowsTheCpuLatencyThatTheModelsEvaluationMeasured()
    {
        var models = await fixture.Cli.RunJsonAsync("models", "--dataset", "shapes");
        var evaluated = models.GetProperty("models")[0].GetProperty("metrics").GetProperty("latency_ms").GetDouble();

        var suggestion = await fixture.Cli.RunJsonAsync("pipeline", "suggest", "shapes", "--min-accuracy", "0.5", "--max-latency-ms", "10000");

        var candidate = Assert.Single(suggestion.GetProperty("candidates").EnumerateArray());
        Assert.Equal(Math.Round(evaluated, 2), candidate.GetProperty("latency_ms").GetDouble());
        Assert.False(candidate.GetProperty("latency_measured_now").GetBoolean());
    }

    [Fact]
    public async Task SuggestFillsTheClassifyStepEvenWhenNoModelMeetsTheTargetsSoTheFileSaves()
    {
        var file = Path.Combine(fixture.Cli.Scratch("suggest-defaults"), "door.json");
        File.WriteAllText(file, """{ "name": "door", "steps": [ { "component": "mjpeg_camera", "settings": { "url": "http://camera/video" } }, { "component": "classify" }, { "component": "results_store" } ] }""");

        var suggested = await fixture.Cli.RunJsonAsync("pipeline", "suggest", "shapes", "--min-accuracy", "0.5", "--max-latency-ms", "0.0001", "--fill", file);
        var saved = await fixture.Cli.RunAsync("pipeline", "save", file);

        Assert.Equal(JsonValueKind.Null, suggested.GetProperty("choice").ValueKind);
        Assert.Contains($"the classify step gets the closest, {fixture.ModelId}", suggested.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.True(saved.ExitCode == 0, saved.Error);
        Assert.Contains("Saved door version", saved.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunProcessesNewFilesFromAFolderUntilTheDurationEnds()
    {
        using var cli = new CliRunner();
        var inbox = cli.Scratch("inbox");
        for (var i = 0; i < 5; i++)
        {
            File.WriteAllBytes(Path.Combine(inbox, $"{i}.png"), SyntheticImages.Encode(i % 2, i, 48));
        }

        var file = Path.Combine(cli.Scratch("defs"), "inbox.json");
        File.WriteAllText(file, JsonSerializer.Serialize(new
        {
            name = "inbox",
            steps = new object[]
            {
                new { component = "folder_watch", settings = new { path = inbox, include_existing = true, poll_ms = 100 } },
                new { component = "resize", settings = new { width = 24, height = 24, keep_aspect = false } },
                new { component = "file", settings = new { file_name = "inbox.csv", format = "csv" } },
            },
        }));
        var run = await cli.RunJsonAsync("pipeline", "run", file, "--duration", "3");
        Assert.True(run.GetProperty("frames").GetInt64() == 5, run.ToString());
        Assert.Equal("stopped", run.GetProperty("state").GetString());
        var csv = File.ReadAllLines(Path.Combine(cli.DataPath, "exports", "inbox.csv"));
        Assert.Equal("pipeline,version,sequence,captured_at,face_x,face_y,face_width,face_height,label,confidence", csv[0]);
        Assert.Equal(6, csv.Length);
    }

    [Fact]
    public async Task SuggestPicksAModelThatMeetsTheTargetsAndFillsTheClassifyStep()
    {
        var file = Path.Combine(fixture.Cli.Scratch("suggest"), "door.json");
        File.WriteAllText(file, """{ "name": "door", "steps": [ { "component": "mjpeg_camera", "settings": { "url": "http://camera/video" } }, { "component": "classify", "settings": { "model": "m-00000000" } }, { "component": "results_store" } ] }""");
        var suggestion = await fixture.Cli.RunJsonAsync("pipeline", "suggest", "shapes", "--min-accuracy", "0.5", "--max-latency-ms", "10000", "--fill", file);
        Assert.Equal(fixture.ModelId, suggestion.GetProperty("choice").GetString());
        var candidate = Assert.Single(suggestion.GetProperty("candidates").EnumerateArray());
        Assert.True(candidate.GetProperty("latency_ms").GetDouble() > 0);
        Assert.Equal(fixture.ModelId, suggestion.GetProperty("classify_step").GetProperty("settings").GetProperty("model").GetString());
        Assert.Contains(fixture.ModelId, File.ReadAllText(file), StringComparison.Ordinal);

        // Measured once: the second answer reads the stored latency.
        var again = await fixture.Cli.RunJsonAsync("pipeline", "suggest", "shapes", "--min-accuracy", "0.5", "--max-latency-ms", "10000");
        Assert.False(again.GetProperty("candidates")[0].GetProperty("latency_measured_now").GetBoolean());

        var none = await fixture.Cli.RunAsync("pipeline", "suggest", "shapes", "--min-accuracy", "0.5", "--max-latency-ms", "0.0001");
        Assert.Equal(3, none.ExitCode);
        Assert.Contains("no model reaches", none.Output, StringComparison.Ordinal);
    }
}
