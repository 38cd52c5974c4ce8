using VisionFactory.Cli;
using VisionFactory.Testing;

namespace VisionFactory.Factory.Tests;

/// <summary>Makes a synthetic two-class dataset and imports it with the real <c>vf dataset import</c>.</summary>
public static class Datasets
{
    public static async Task ImportAsync(TempDirectory temp, string data, string? postgres, string name, int perClass, int size)
    {
        ArgumentNullException.ThrowIfNull(temp);
        var source = temp.Combine("source-" + name);
        SyntheticImages.WriteDataset(source, ["a", "b"], perClass, size);
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] args = ["dataset", "import", name, source, "--data", data, "--json", .. postgres is null ? Array.Empty<string>() : ["--database", postgres]];
        var code = await VfApp.RunAsync(args, output, error, interactive: false, CancellationToken.None);
        Assert.True(code == 0, $"import exited {code}: {error}");
    }
}
