using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

public sealed class CliErrorTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task UnknownDatasetExitsWith3AndSaysWhatExists()
    {
        var result = await cli.RunAsync("dataset", "show", "nope");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("dataset 'nope' does not exist", result.Error, StringComparison.Ordinal);
        Assert.Contains("vf dataset import", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonModePrintsAnErrorDocument()
    {
        var result = await cli.RunAsync("evaluate", "m-00000000", "--json");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("not_found".Replace("_", "", StringComparison.Ordinal), result.Json.GetProperty("kind").GetString());
        Assert.Contains("model 'm-00000000' does not exist", result.Json.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingSourceFolderExitsWith3()
    {
        var result = await cli.RunAsync("dataset", "import", "x", Path.Combine(cli.Scratch("none"), "missing"));

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("does not exist", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SingleClassImportExitsWith2AndStoresNothing()
    {
        var source = cli.Scratch("one");
        SyntheticImages.WriteDataset(source, ["only"], perClass: 3);

        var result = await cli.RunAsync("dataset", "import", "one", source);
        var list = await cli.RunJsonAsync("dataset", "list");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("at least two class folders", result.Error, StringComparison.Ordinal);
        Assert.Empty(list.GetProperty("datasets").EnumerateArray());
    }

    [Fact]
    public async Task InvalidTrainingOptionsExitWith2()
    {
        var source = cli.Scratch("two");
        SyntheticImages.WriteDataset(source, ["a", "b"], perClass: 4);
        await cli.RunJsonAsync("dataset", "import", "two", source);

        var epochs = await cli.RunAsync("train", "two", "--epochs", "0");
        var arch = await cli.RunAsync("train", "two", "--arch", "resnet18-imagenett");

        Assert.Equal(2, epochs.ExitCode);
        Assert.Contains("epochs must be between 1 and 10000", epochs.Error, StringComparison.Ordinal);
        Assert.Equal(2, arch.ExitCode);
        Assert.Contains("did you mean resnet18-imagenet", arch.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DamagedModelArtifactExitsWith5()
    {
        var source = cli.Scratch("dmg");
        SyntheticImages.WriteDataset(source, ["a", "b"], perClass: 6);
        await cli.RunJsonAsync("dataset", "import", "dmg", source);
        var train = await cli.RunJsonAsync("train", "dmg", "--image-size", "32", "--epochs", "2", "--wait");
        var id = train.GetProperty("model").GetString()!;
        var blobs = Directory.EnumerateFiles(Path.Combine(cli.DataPath, "blobs"), "*", SearchOption.AllDirectories)
            .OrderByDescending(f => new FileInfo(f).Length).First();
        await File.WriteAllBytesAsync(blobs, [1, 2, 3]);

        var result = await cli.RunAsync("predict", id, Path.Combine(source, "a", "000.png"));

        Assert.Equal(5, result.ExitCode);
        Assert.Contains($"the artifact of model {id} is damaged", result.Error, StringComparison.Ordinal);

        File.Delete(blobs);
        var missing = await cli.RunAsync("predict", id, Path.Combine(source, "a", "000.png"));

        Assert.Equal(5, missing.ExitCode);
        Assert.Contains($"the artifact of model {id} is missing from the store (blob {Path.GetFileName(blobs)})", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FinetuneTrainsEveryLayerAndStoresAnEvaluation()
    {
        var source = cli.Scratch("ft");

        // Distinct images: no near-duplicate groups, so the split is exactly 70 / 15 / 15.
        SyntheticImages.WriteDataset(source, ["a", "b"], perClass: 10, distinct: true);
        await cli.RunJsonAsync("dataset", "import", "ft", source);

        var train = await cli.RunJsonAsync("train", "ft", "--mode", "finetune", "--image-size", "32", "--epochs", "2", "--batch-size", "8", "--wait");

        Assert.Equal("finetune", train.GetProperty("mode").GetString());
        Assert.Equal(2, train.GetProperty("history").GetArrayLength());
        Assert.Equal(4, train.GetProperty("evaluation").GetProperty("images").GetInt32());
    }
}
