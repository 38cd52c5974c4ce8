using System.Text.Json;
using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary>
/// <c>vf dataset public list</c> and <c>vf dataset import &lt;name&gt; --public &lt;id&gt;</c> as a user runs them: the
/// published vf as its own process, a loopback server standing in for the official address or the mirror.
/// </summary>
public sealed class CliPublicDatasetTests : IDisposable
{
    private readonly TempDirectory temp = new("vf-cli-public");

    private string Data => temp.Combine("data");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task TheListShowsTheBuiltInCatalogueWithItsAddressesAndDigests()
    {
        var listed = await VfCommand.RunAsync("dataset", "public", "list", "--json", "--data", Data);

        Assert.True(listed.ExitCode == 0, listed.Error);
        var datasets = listed.Json.GetProperty("datasets").EnumerateArray().ToDictionary(d => d.GetProperty("id").GetString()!);
        Assert.Equal(["cifar10", "cifar100", "mnist", "fashion-mnist", "hymenoptera"], datasets.Keys);
        var cifar = datasets["cifar10"];
        Assert.Equal("cifar10-python", cifar.GetProperty("layout").GetString());
        var file = cifar.GetProperty("files")[0];
        Assert.Equal("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", file.GetProperty("url").GetString());
        Assert.Equal("c58f30108f718f92721af3b95e74349a", file.GetProperty("md5").GetString());
        Assert.Equal(170_498_071, file.GetProperty("bytes").GetInt64());
        Assert.Equal(4, datasets["mnist"].GetProperty("files").GetArrayLength());
        Assert.True(datasets["fashion-mnist"].GetProperty("verified").GetBoolean());
        Assert.False(datasets["hymenoptera"].GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task ACataloguedDatasetFromTheMirrorImportsWithItsOwnSplitAndAWrongDigestStoresNothing()
    {
        var archive = PublicDatasetFiles.Cifar10PythonArchive(perBatch: 1, perClassTest: 2);
        using var mirror = new FileServer(new Dictionary<string, byte[]> { ["cifar-10-python.tar.gz"] = archive });
        var catalog = temp.Combine("catalog.json");
        PublicDatasetFiles.WriteCatalog(catalog, "tiny-cifar", "cifar10-python",
            new Dictionary<string, byte[]> { ["cifar-10-python.tar.gz"] = archive }, "https://data.example.invalid/cifar");
        var settings = new Dictionary<string, string?>
        {
            ["Collect__Public__CatalogFile"] = catalog,
            ["Collect__Public__Mirror"] = mirror.BaseUri + "datasets/",
        };

        // The built-in CIFAR-10 entry pins the published MD5: the generated archive on the mirror does not match it.
        var wrong = await VfCommand.RunAsync(settings, "dataset", "import", "real", "--public", "cifar10", "--data", Data);
        var afterWrong = await VfCommand.RunAsync(settings, "dataset", "list", "--json", "--data", Data);
        var imported = await VfCommand.RunAsync(settings, "dataset", "import", "tiny", "--public", "tiny-cifar", "--json", "--data", Data);
        var again = await VfCommand.RunAsync(settings, "dataset", "import", "tiny", "--public", "tiny-cifar", "--data", Data);
        var jobs = await VfCommand.RunAsync("import-jobs", "list", "--json", "--data", Data);

        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("does not match its published MD5 (expected c58f30108f718f92721af3b95e74349a", wrong.Error, StringComparison.Ordinal);
        Assert.Empty(afterWrong.Json.GetProperty("datasets").EnumerateArray());
        Assert.True(imported.ExitCode == 0, imported.Error);
        var classes = imported.Json.GetProperty("classes").EnumerateArray().ToList();
        Assert.Equal(PublicDatasetFiles.Cifar10Classes.Order(StringComparer.Ordinal), classes.Select(c => c.GetProperty("name").GetString()));
        Assert.All(classes, c => Assert.Equal((7, 2, 4, 1), (c.GetProperty("images").GetInt32(), c.GetProperty("test").GetInt32(), c.GetProperty("train").GetInt32(), c.GetProperty("validation").GetInt32())));
        Assert.Contains("from the mirror http://127.0.0.2", imported.Json.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, mirror.Requests.Count(r => r.Name == "cifar-10-python.tar.gz"));
        Assert.Equal(4, again.ExitCode);
        Assert.Contains("exists: a public dataset is imported into a new dataset", again.Error, StringComparison.Ordinal);
        var states = jobs.Json.GetProperty("jobs").EnumerateArray().Select(j => (j.GetProperty("dataset").GetString(), j.GetProperty("state").GetString())).ToList();
        Assert.Contains(("real", "failed"), states);
        Assert.Contains(("tiny", "succeeded"), states);
    }

    [Fact]
    public async Task TheMirrorOptionTakesTheBuiltInFilesFromALoopbackServerAndTheSizeCapRefusesALargerFile()
    {
        var files = PublicDatasetFiles.MnistFiles(perClassTrain: 3, perClassTest: 1);
        using var mirror = new FileServer(files);
        var catalog = temp.Combine("catalog.json");
        PublicDatasetFiles.WriteCatalog(catalog, "mnist", "mnist-idx", files, "https://ossci-datasets.example.invalid/mnist");
        var pinned = new Dictionary<string, string?> { ["Collect__Public__CatalogFile"] = catalog };
        var capped = new Dictionary<string, string?> { ["Collect__Public__CatalogFile"] = catalog, ["Collect__Public__MaxBytes"] = "1000" };

        var tooLarge = await VfCommand.RunAsync(capped, "dataset", "import", "digits", "--public", "mnist", "--mirror", mirror.BaseUri.ToString(), "--data", Data);
        var noMirror = await VfCommand.RunAsync(pinned, "dataset", "import", "digits", "--public", "mnist", "--data", Data);
        var imported = await VfCommand.RunAsync(pinned, "dataset", "import", "digits", "--public", "mnist", "--mirror", mirror.BaseUri.ToString(), "--json", "--data", Data);

        Assert.Equal(2, tooLarge.ExitCode);
        Assert.Contains("the limit is 1000", tooLarge.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, noMirror.ExitCode);
        Assert.Contains("ossci-datasets.example.invalid", noMirror.Error, StringComparison.Ordinal);
        Assert.True(imported.ExitCode == 0, imported.Error);
        var classes = imported.Json.GetProperty("classes").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, 10).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)), classes.Select(c => c.GetProperty("name").GetString()));
        Assert.All(classes, c => Assert.Equal(1, c.GetProperty("test").GetInt32()));
        Assert.Equal(40, classes.Sum(c => c.GetProperty("images").GetInt32()));
    }
}
