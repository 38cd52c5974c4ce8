using System.IO.Compression;
using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary><c>vf dataset import --format</c> and <c>vf dataset export</c>.</summary>
public sealed class CliTransferTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task ExportedCsvImportsBackWithTheFormatOption()
    {
        var source = cli.Scratch("pets");
        SyntheticImages.WriteDataset(source, ["cats", "dogs"], perClass: 4);
        await cli.RunJsonAsync("dataset", "import", "pets", source);
        var target = Path.Combine(cli.Scratch("out"), "pets-csv");

        var exported = await cli.RunJsonAsync("dataset", "export", "pets", target, "--format", "csv");
        var imported = await cli.RunJsonAsync("dataset", "import", "again", Path.Combine(target, "labels.csv"), "--format", "csv");
        var zip = await cli.RunJsonAsync("dataset", "export", "again", Path.Combine(cli.Scratch("zip"), "again.zip"));

        Assert.Equal(8, exported.GetProperty("images").GetInt32());
        Assert.Equal(8, imported.GetProperty("images").GetInt32());
        Assert.Equal(2, zip.GetProperty("classes").GetInt32());
        using var archive = ZipFile.OpenRead(zip.GetProperty("target").GetString()!);
        Assert.Equal(8, archive.Entries.Count);
    }

    [Fact]
    public async Task ImageAddressesImportWithAnAllowedRangeAndInternalOnesAreSkipped()
    {
        using var site = new LocalWebServer("127.0.0.2", async context =>
        {
            var name = context.Request.Url!.AbsolutePath.Trim('/');
            if (!name.EndsWith(".png", StringComparison.Ordinal))
            {
                context.Response.StatusCode = 404;
                return;
            }

            await context.Response.OutputStream.WriteAsync(SyntheticImages.Encode(name.StartsWith("cat", StringComparison.Ordinal) ? 0 : 1, name[^5] - '0'));
        });
        var list = Path.Combine(cli.Scratch("web"), "urls.txt");
        await File.WriteAllLinesAsync(list, [
            .. Enumerable.Range(0, 3).Select(i => $"cats,{site.Url($"cat{i}.png")}"),
            .. Enumerable.Range(0, 3).Select(i => site.Url($"dog{i}.png").ToString()),
            "cats,http://169.254.169.254/latest/meta-data/",
        ]);

        var imported = await cli.RunJsonAsync("dataset", "import", "web", list, "--format", "urls", "--class", "dogs", "--allow-range", "127.0.0.2/32");

        Assert.Equal(6, imported.GetProperty("images").GetInt32());
        var skipped = imported.GetProperty("import").GetProperty("skipped").EnumerateArray().Single();
        Assert.Contains("is refused", skipped.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportOntoAnExistingFolderExitsWith4AndUnknownFormatWith2()
    {
        var source = cli.Scratch("pets");
        SyntheticImages.WriteDataset(source, ["cats", "dogs"], perClass: 3);
        await cli.RunJsonAsync("dataset", "import", "pets", source);

        var existing = await cli.RunAsync("dataset", "export", "pets", source);
        var format = await cli.RunAsync("dataset", "import", "pets", source, "--format", "parquet");

        Assert.Equal(4, existing.ExitCode);
        Assert.Contains("already exists", existing.Error, StringComparison.Ordinal);
        Assert.Equal(2, format.ExitCode);
        Assert.Contains("not an import format", format.Error, StringComparison.Ordinal);
    }
}
