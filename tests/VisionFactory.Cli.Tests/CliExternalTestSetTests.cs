using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary>
/// <c>vf dataset external-test</c>, and the external figure and the test-split notice in <c>vf evaluate</c> and
/// <c>vf models</c>, from naming the set to clearing it.
/// </summary>
public sealed class CliExternalTestSetTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task ExternalTestSetIsNamedEvaluatedShownAndCleared()
    {
        var shapes = cli.Scratch("shapes");
        SyntheticImages.WriteDataset(shapes, ["circles", "squares"], perClass: 20, distinct: true);
        var elsewhere = cli.Scratch("shapes-elsewhere");
        foreach (var (name, style) in new[] { ("circles", 0), ("squares", 1) })
        {
            Directory.CreateDirectory(Path.Combine(elsewhere, name));
            for (var i = 0; i < 6; i++)
            {
                await File.WriteAllBytesAsync(Path.Combine(elsewhere, name, $"{i}.png"), SyntheticImages.Encode(style, 200 + i));
            }
        }

        var strange = cli.Scratch("strange");
        SyntheticImages.WriteDataset(strange, ["circles", "triangles"], perClass: 4);
        await cli.RunJsonAsync("dataset", "import", "shapes", shapes);
        await cli.RunJsonAsync("dataset", "import", "shapes-elsewhere", elsewhere);
        await cli.RunJsonAsync("dataset", "import", "strange", strange);

        var itself = await cli.RunAsync("dataset", "external-test", "shapes", "shapes");
        var mismatch = await cli.RunAsync("dataset", "external-test", "shapes", "strange");
        var missing = await cli.RunAsync("dataset", "external-test", "shapes", "nowhere");
        Assert.Equal(2, itself.ExitCode);
        Assert.Contains("cannot be its own external test set", itself.Error, StringComparison.Ordinal);
        Assert.Equal(2, mismatch.ExitCode);
        Assert.Contains("'triangles'", mismatch.Error, StringComparison.Ordinal);
        Assert.Equal(3, missing.ExitCode);

        var set = await cli.RunJsonAsync("dataset", "external-test", "shapes", "shapes-elsewhere");
        Assert.Equal("shapes-elsewhere", set.GetProperty("external_test_set").GetString());
        Assert.Contains("external test set: shapes-elsewhere", (await cli.RunAsync("dataset", "show", "shapes")).Output, StringComparison.Ordinal);

        var train = await cli.RunJsonAsync("train", "shapes", "--mode", "head", "--image-size", "32", "--epochs", "10", "--batch-size", "8", "--wait");
        var model = train.GetProperty("model").GetString()!;

        var evaluation = await cli.RunJsonAsync("evaluate", model);
        var external = evaluation.GetProperty("external_evaluation");
        Assert.Equal("shapes-elsewhere", external.GetProperty("dataset").GetString());
        Assert.Equal(12, external.GetProperty("images").GetInt32());
        var notice = evaluation.GetProperty("test_notice");
        Assert.Equal(evaluation.GetProperty("images").GetInt32(), notice.GetProperty("images").GetInt32());
        Assert.True(notice.GetProperty("small").GetBoolean());

        var text = await cli.RunAsync("evaluate", model);
        var printed = System.Text.RegularExpressions.Regex.Replace(text.Output, @"\s+", " ");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("Own test split", printed, StringComparison.Ordinal);
        Assert.Contains("External (shapes-elsewhere v1)", printed, StringComparison.Ordinal);
        Assert.Contains("notice:", printed, StringComparison.Ordinal);
        Assert.Contains("with 95 % confidence the error rate", printed, StringComparison.Ordinal);

        var listed = (await cli.RunJsonAsync("models", "--dataset", "shapes", "--sort", "external_accuracy")).GetProperty("models")[0];
        Assert.Equal(external.GetProperty("accuracy").GetDouble(), listed.GetProperty("external_accuracy").GetDouble(), 9);
        Assert.Equal("shapes-elsewhere", listed.GetProperty("external_test_set").GetString());
        Assert.Contains("external accuracy", (await cli.RunAsync("models")).Output, StringComparison.Ordinal);

        var again = await cli.RunJsonAsync("evaluate", model, "--external");
        Assert.Equal(external.GetProperty("accuracy").GetDouble(), again.GetProperty("accuracy").GetDouble(), 9);

        // The assistant weighs the model by its accuracy on images from elsewhere.
        var suggestion = await cli.RunJsonAsync("pipeline", "suggest", "shapes", "--min-accuracy", "0.5", "--max-latency-ms", "10000");
        var candidate = Assert.Single(suggestion.GetProperty("candidates").EnumerateArray());
        Assert.Equal(external.GetProperty("accuracy").GetDouble(), candidate.GetProperty("accuracy").GetDouble(), 9);
        Assert.Equal("external test set shapes-elsewhere", candidate.GetProperty("accuracy_source").GetString());
        Assert.Equal(evaluation.GetProperty("accuracy").GetDouble(), candidate.GetProperty("test_split_accuracy").GetDouble(), 9);

        var cleared = await cli.RunJsonAsync("dataset", "external-test", "shapes", "--clear");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, cleared.GetProperty("external_test_set").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await cli.RunJsonAsync("evaluate", model)).GetProperty("external_evaluation").ValueKind);
        var none = await cli.RunAsync("evaluate", model, "--external");
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("has no external test set", none.Error, StringComparison.Ordinal);
    }
}
