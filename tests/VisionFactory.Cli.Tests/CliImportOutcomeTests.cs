using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary>What <c>vf dataset import</c> and <c>vf train</c> say about a dataset too small to split, or an import of nothing.</summary>
public sealed class CliImportOutcomeTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task TinyDatasetImportWarnsAndTrainExitsWith2SayingWhatToDo()
    {
        var source = cli.Scratch("tiny");
        SyntheticImages.WriteDataset(source, ["cats", "dogs"], perClass: 2);
        File.Delete(Path.Combine(source, "dogs", "001.jpg"));

        var import = await cli.RunAsync("dataset", "import", "tiny", source);
        var train = await cli.RunAsync("train", "tiny");
        var wait = await cli.RunAsync("train", "tiny", "--wait", "--image-size", "32", "--epochs", "1");

        Assert.Equal(0, import.ExitCode);
        Assert.Contains("the validation and test splits are empty", import.Output, StringComparison.Ordinal);
        Assert.Contains("'dogs' has 1 image", import.Output, StringComparison.Ordinal);
        Assert.Equal(2, train.ExitCode);
        Assert.StartsWith("error: tiny version 1 has no validation and no test images", train.Error, StringComparison.Ordinal);
        Assert.Contains("add images so that each class has at least 3", train.Error, StringComparison.Ordinal);
        Assert.Equal(2, wait.ExitCode);
        Assert.DoesNotContain("startingIndex", wait.Error + wait.Output, StringComparison.Ordinal);
        Assert.Empty((await cli.RunJsonAsync("runs", "list")).EnumerateArray());
    }

    [Fact]
    public async Task ImportOfOnlyANonImageExitsWith2NamingTheFileAndMakesNoVersion()
    {
        var first = cli.Scratch("first");
        SyntheticImages.WriteDataset(first, ["cats", "dogs"], perClass: 4);
        await cli.RunJsonAsync("dataset", "import", "pets", first);
        var upload = cli.Scratch("upload");
        Directory.CreateDirectory(Path.Combine(upload, "cats"));
        await File.WriteAllTextAsync(Path.Combine(upload, "cats", "notes.txt"), "shopping list");

        var result = await cli.RunAsync("dataset", "import", "pets", upload);
        var list = await cli.RunJsonAsync("dataset", "list");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: nothing was imported: cats/notes.txt: not a", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, list.GetProperty("datasets")[0].GetProperty("latest_version").GetInt32());
    }
}
