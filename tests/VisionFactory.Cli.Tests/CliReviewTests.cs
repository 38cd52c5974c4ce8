using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

public sealed class CliReviewTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task ReviewFindsTheCopyAndFixKeepsOnePerGroupInANewVersion()
    {
        var source = cli.Scratch("shapes");
        ReviewImages.WriteDataset(source, ["circles", "squares"], perClass: 10);
        File.WriteAllBytes(Path.Combine(source, "squares", "copy.jpg"), ReviewImages.Variant(1, 2, scale: 1.25, quality: 75));
        await cli.RunJsonAsync("dataset", "import", "shapes", source);

        var report = await cli.RunJsonAsync("dataset", "review", "shapes", "--hashes-only");

        Assert.Equal(21, report.GetProperty("images").GetInt32());
        var group = Assert.Single(report.GetProperty("near_duplicates").EnumerateArray());
        Assert.Equal(["squares/copy.jpg", "squares/squares-002.png"], group.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("path").GetString()).Order());
        Assert.Empty(report.GetProperty("suspected_labels").EnumerateArray());
        Assert.False(report.GetProperty("settings").GetProperty("embeddings").GetBoolean());

        var text = await cli.RunAsync("dataset", "review", "shapes", "--hashes-only");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("health score", text.Output, StringComparison.Ordinal);
        Assert.Contains("vf dataset fix shapes", text.Output, StringComparison.Ordinal);

        var fixedUp = await cli.RunJsonAsync("dataset", "fix", "shapes", "keep-one-per-group");
        Assert.Equal(2, fixedUp.GetProperty("version").GetInt32());
        Assert.Equal(20, fixedUp.GetProperty("images").GetInt32());

        var unknownFix = await cli.RunAsync("dataset", "fix", "shapes", "burn");
        Assert.Equal(2, unknownFix.ExitCode);
        Assert.Contains("is not a fix", unknownFix.Error, StringComparison.Ordinal);
        var notReviewed = await cli.RunAsync("dataset", "fix", "shapes", "relabel");
        Assert.Equal(4, notReviewed.ExitCode);
        Assert.Contains("has not been reviewed", notReviewed.Error, StringComparison.Ordinal);
        Assert.Equal(3, (await cli.RunAsync("dataset", "review", "nope")).ExitCode);
    }
}
