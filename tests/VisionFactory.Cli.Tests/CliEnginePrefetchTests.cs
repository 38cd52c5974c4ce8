using System.Text.Json;
using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary>
/// <c>vf predict</c> begins opening the graph an earlier run noted for the model (<c>cache/engines/models/&lt;id&gt;</c>)
/// while it reads the database; the note is a hint, never the authority: the database's artifact decides the graph.
/// </summary>
public sealed class CliEnginePrefetchTests : IDisposable
{
    private readonly CliRunner cli = new();

    private string Notes => Path.Combine(cli.DataPath, "cache", "engines", "models");

    [Fact]
    public async Task ANoteThatNamesAnotherModelsGraphIsNotUsed()
    {
        var source = cli.Scratch("shapes");
        SyntheticImages.WriteDataset(source, ["circles", "squares"], perClass: 16, distinct: true);
        await cli.RunJsonAsync("dataset", "import", "shapes", source);
        var first = (await cli.RunJsonAsync("train", "shapes", "--mode", "head", "--image-size", "32", "--epochs", "30", "--batch-size", "8", "--wait")).GetProperty("model").GetString()!;
        // The second model learns the opposite names: its circles are squares.
        var swapped = cli.Scratch("swapped");
        foreach (var (from, to) in new[] { ("circles", "squares"), ("squares", "circles") })
        {
            Directory.CreateDirectory(Path.Combine(swapped, to));
            foreach (var file in Directory.EnumerateFiles(Path.Combine(source, from)))
                File.Copy(file, Path.Combine(swapped, to, Path.GetFileName(file)));
        }

        await cli.RunJsonAsync("dataset", "import", "swapped", swapped);
        var second = (await cli.RunJsonAsync("train", "swapped", "--mode", "head", "--image-size", "32", "--epochs", "30", "--batch-size", "8", "--wait")).GetProperty("model").GetString()!;
        var images = Path.Combine(source, "squares");

        var firstBefore = Probabilities(await cli.RunJsonAsync("predict", first, images, "--engine", "onnx"));
        var secondBefore = Probabilities(await cli.RunJsonAsync("predict", second, images, "--engine", "onnx"));

        // Each deployment noted its model's artifact, the name of its record and graph.
        var firstArtifact = await File.ReadAllTextAsync(Path.Combine(Notes, first));
        var secondArtifact = await File.ReadAllTextAsync(Path.Combine(Notes, second));
        Assert.NotEqual(firstArtifact, secondArtifact);
        Assert.True(File.Exists(Path.Combine(cli.DataPath, "cache", "engines", firstArtifact + ".onnx")));
        Assert.True(MaxDifference(firstBefore, secondBefore) > 0.5, $"the two models answer alike ({MaxDifference(firstBefore, secondBefore)}), so the test could not tell them apart");

        // The first model's note now names the second model's (valid, verified) graph.
        await File.WriteAllTextAsync(Path.Combine(Notes, first), secondArtifact);
        var firstAfter = Probabilities(await cli.RunJsonAsync("predict", first, images, "--engine", "onnx"));
        Assert.True(MaxDifference(firstBefore, firstAfter) < 1e-6, $"vf predict {first} answered with another graph: {MaxDifference(firstBefore, firstAfter)}");

        // The opening corrected the note.
        Assert.Equal(firstArtifact, await File.ReadAllTextAsync(Path.Combine(Notes, first)));
    }

    public void Dispose() => cli.Dispose();

    private static double MaxDifference(Dictionary<string, Dictionary<string, double>> a, Dictionary<string, Dictionary<string, double>> b)
    {
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        return a.SelectMany(kv => kv.Value.Select(p => Math.Abs(p.Value - b[kv.Key][p.Key]))).Max();
    }

    private static Dictionary<string, Dictionary<string, double>> Probabilities(JsonElement result) =>
        result.GetProperty("predictions").EnumerateArray().ToDictionary(
            p => p.GetProperty("file").GetString()!,
            p => p.GetProperty("probabilities").EnumerateObject().ToDictionary(kv => kv.Name, kv => kv.Value.GetDouble()));
}
