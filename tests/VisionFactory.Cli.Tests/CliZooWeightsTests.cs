using System.Security.Cryptography;
using System.Text.Json;
using VisionFactory.Domain.Zoo;
using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary>
/// <c>vf zoo weights</c> as an administrator's shell runs it (vf in its own process), against a mirror on loopback that
/// serves a generated ShuffleNet v2 x0.5 state dict written as a PyTorch .pth under a torchvision-style name.
/// </summary>
public sealed class CliZooWeightsTests : IDisposable
{
    private const string Architecture = "shufflenet_v2_x0_5";
    private static readonly Lazy<byte[]> Generated = new(Generate);
    private readonly TempDirectory temp = new("vf-cli-weights");
    private readonly FileMirrorServer mirror = new();

    public void Dispose()
    {
        mirror.Dispose();
        temp.Dispose();
    }

    private string Data => temp.Combine("data");

    [Fact]
    public async Task GetStoresVerifiedWeightsThatHeadOnlyTrainingThenUses()
    {
        var (file, environment) = Pinned();
        mirror.Add(file, Generated.Value);
        var source = temp.Combine("images");
        SyntheticImages.WriteDataset(source, ["a", "b"], perClass: 8);

        var before = await VfCommand.RunAsync(environment, "train", "shapes", "--arch", Architecture, "--mode", "head", "--data", Data);
        var got = await VfCommand.RunAsync(environment, "zoo", "weights", "get", Architecture, "--mirror", mirror.BaseUri.ToString(), "--data", Data, "--json");
        var list = await VfCommand.RunAsync(environment, "zoo", "weights", "list", "--data", Data, "--json");
        var zoo = await VfCommand.RunAsync(environment, "zoo", "list", "--data", Data, "--json");
        var imported = await VfCommand.RunAsync(environment, "dataset", "import", "shapes", source, "--data", Data, "--json");
        var train = await VfCommand.RunAsync(environment, "train", "shapes", "--arch", Architecture, "--mode", "head", "--image-size", "32", "--epochs", "3",
            "--batch-size", "4", "--wait", "--data", Data, "--json");

        Assert.Contains($"vf zoo weights get {Architecture}", before.Error, StringComparison.Ordinal);
        Assert.True(got.ExitCode == 0, got.Error);
        var stored = Assert.Single(got.Json.EnumerateArray().ToList());
        Assert.True(stored.GetProperty("present").GetBoolean());
        Assert.Equal(new Uri(mirror.BaseUri, file).ToString(), stored.GetProperty("source").GetString());
        Assert.True(list.ExitCode == 0, list.Error);
        var entries = list.Json.EnumerateArray().ToList();
        Assert.Equal(PublishedWeightsCatalog.Official.Count, entries.Count);
        var entry = entries.Single(e => e.GetProperty("architecture").GetString() == Architecture);
        Assert.True(entry.GetProperty("present").GetBoolean());
        Assert.Equal(Sha256(Generated.Value), entry.GetProperty("sha256").GetString());
        Assert.Equal(PublishedWeightsCatalog.OfficialBaseAddress + file, entry.GetProperty("address").GetString());
        var resnet50 = entries.Single(e => e.GetProperty("architecture").GetString() == "resnet50");
        Assert.False(resnet50.GetProperty("present").GetBoolean());
        Assert.Equal("https://download.pytorch.org/models/resnet50-0676ba61.pth", resnet50.GetProperty("address").GetString());
        Assert.Equal("0676ba61", resnet50.GetProperty("sha256").GetString());
        Assert.True(zoo.ExitCode == 0, zoo.Error);
        var row = zoo.Json.EnumerateArray().Single(e => e.GetProperty("name").GetString() == Architecture);
        Assert.True(row.GetProperty("pretrained").GetBoolean());
        Assert.Equal(stored.GetProperty("stored_bytes").GetInt64(), row.GetProperty("weights_bytes").GetInt64());
        Assert.True(imported.ExitCode == 0, imported.Error);
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Equal(3, train.Json.GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task WrongDigestExitsAsDamagedDataAndStoresNothing()
    {
        var official = PublishedWeightsCatalog.Official.Single(e => e.Architecture == Architecture);
        mirror.Add(official.FileName, Generated.Value);

        var got = await VfCommand.RunAsync("zoo", "weights", "get", Architecture, "--mirror", mirror.BaseUri.ToString(), "--data", Data);
        var list = await VfCommand.RunAsync("zoo", "weights", "list", "--data", Data, "--json");

        Assert.Equal(5, got.ExitCode);
        Assert.Contains(official.Sha256, got.Error, StringComparison.Ordinal);
        Assert.Contains("nothing was stored", got.Error, StringComparison.Ordinal);
        Assert.False(list.Json.EnumerateArray().Single(e => e.GetProperty("architecture").GetString() == Architecture).GetProperty("present").GetBoolean());
    }

    [Fact]
    public async Task MirrorSettingPointsTheCatalogueAtAnInternalServer()
    {
        var (file, environment) = Pinned();
        mirror.Add(file, Generated.Value);
        var withMirror = new Dictionary<string, string?>(environment) { ["Zoo__Weights__Mirror"] = mirror.BaseUri.ToString() };

        var list = await VfCommand.RunAsync(withMirror, "zoo", "weights", "list", "--data", Data, "--json");
        var got = await VfCommand.RunAsync(withMirror, "zoo", "weights", "get", Architecture, "--data", Data, "--json");

        Assert.Equal(new Uri(mirror.BaseUri, file).ToString(),
            list.Json.EnumerateArray().Single(e => e.GetProperty("architecture").GetString() == Architecture).GetProperty("address").GetString());
        Assert.True(got.ExitCode == 0, got.Error);
        Assert.Equal(file, Assert.Single(mirror.Requests).Path);
    }

    [Fact]
    public async Task FolderOfPublishedFilesIsImportedByFileName()
    {
        var (file, environment) = Pinned();
        var folder = temp.Combine("offline");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, file), Generated.Value);
        await File.WriteAllTextAsync(Path.Combine(folder, "notes.txt"), "from the USB stick");

        var imported = await VfCommand.RunAsync(environment, "zoo", "weights", "import", "--folder", folder, "--data", Data, "--json");
        var list = await VfCommand.RunAsync(environment, "zoo", "weights", "list", "--data", Data, "--json");
        var empty = await VfCommand.RunAsync(environment, "zoo", "weights", "import", "--folder", temp.Combine("data"), "--data", Data);

        Assert.True(imported.ExitCode == 0, imported.Error);
        var results = imported.Json.EnumerateArray().ToDictionary(r => r.GetProperty("file").GetString()!, r => r.GetProperty("outcome").GetString());
        Assert.Equal("stored", results[file]);
        Assert.Equal("skipped", results["notes.txt"]);
        Assert.True(list.Json.EnumerateArray().Single(e => e.GetProperty("architecture").GetString() == Architecture).GetProperty("present").GetBoolean());
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("holds no catalogued weights file", empty.Error, StringComparison.Ordinal);
    }

    private static byte[] Generate() => GeneratedWeights.Pth(Architecture);

    private static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    // The administrator's catalogue file pins the generated file (torchvision-style name with its own digest's prefix).
    private (string File, Dictionary<string, string?> Environment) Pinned()
    {
        var sha = Sha256(Generated.Value);
        var file = $"shufflenetv2_x0.5-{sha[..10]}.pth";
        var catalog = temp.Combine("catalog.json");
        File.WriteAllText(catalog, JsonSerializer.Serialize(new[] { new { architecture = Architecture, file, sha256 = sha } }));
        return (file, new Dictionary<string, string?> { ["Zoo__Weights__CatalogFile"] = catalog });
    }
}
