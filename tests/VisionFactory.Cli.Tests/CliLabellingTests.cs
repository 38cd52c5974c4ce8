using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary>The unlabelled pool and labelling as scripts use them: <c>vf dataset import --unlabelled</c>, <c>vf dataset label</c>, <c>vf dataset restore</c>.</summary>
public sealed class CliLabellingTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task UnlabelledImagesJoinThePoolAndLabellingMovesThemIntoClassesAndSplitsInNewVersions()
    {
        var source = cli.Scratch("shapes");
        ReviewImages.WriteDataset(source, ["circles", "squares"], perClass: 6);
        await cli.RunJsonAsync("dataset", "import", "shapes", source);

        // Loose frames and a sub-folder: with --unlabelled no folder is a class.
        var pool = cli.Scratch("frames");
        Directory.CreateDirectory(Path.Combine(pool, "cam"));
        File.WriteAllBytes(Path.Combine(pool, "a.png"), ReviewImages.Encode(2, 1));
        File.WriteAllBytes(Path.Combine(pool, "b.png"), ReviewImages.Encode(2, 2));
        File.WriteAllBytes(Path.Combine(pool, "cam", "c.png"), ReviewImages.Encode(2, 3));
        File.WriteAllBytes(Path.Combine(pool, "cam", "d.png"), ReviewImages.Encode(2, 4));

        var imported = await cli.RunJsonAsync("dataset", "import", "shapes", pool, "--unlabelled");

        Assert.Equal(2, imported.GetProperty("version").GetInt32());
        Assert.Equal(12, imported.GetProperty("images").GetInt32());
        Assert.Equal(4, imported.GetProperty("unlabelled").GetInt32());
        Assert.Equal(["circles", "squares"], imported.GetProperty("classes").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        var perSplit = imported.GetProperty("classes").EnumerateArray()
            .Sum(c => c.GetProperty("train").GetInt32() + c.GetProperty("validation").GetInt32() + c.GetProperty("test").GetInt32());
        Assert.Equal(12, perSplit);

        // The pool is never reviewed, exported or trained on: only the 12 labelled images are.
        var review = await cli.RunJsonAsync("dataset", "review", "shapes", "--hashes-only");
        Assert.Equal(12, review.GetProperty("images").GetInt32());
        var exported = Path.Combine(cli.Scratch("export"), "out");
        Assert.Equal(0, (await cli.RunAsync("dataset", "export", "shapes", exported)).ExitCode);
        Assert.Equal(12, Directory.GetFiles(exported, "*.png", SearchOption.AllDirectories).Length);

        var shown = await cli.RunAsync("dataset", "show", "shapes");
        Assert.Equal(0, shown.ExitCode);
        Assert.Contains("4 unlabelled images in the pool", shown.Output, StringComparison.Ordinal);

        var again = await cli.RunAsync("dataset", "import", "shapes", pool, "--unlabelled");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already in version 2", again.Error, StringComparison.Ordinal);

        var one = await cli.RunJsonAsync("dataset", "label", "shapes", "a.png", "circles");
        Assert.Equal(3, one.GetProperty("version").GetInt32());
        Assert.Equal(2, one.GetProperty("previous").GetInt32());
        Assert.Equal(1, one.GetProperty("labelled").GetInt32());
        Assert.Contains("1 image of the pool labelled (1 'circles')", one.GetProperty("summary").GetString(), StringComparison.Ordinal);
        var afterOne = await cli.RunJsonAsync("dataset", "show", "shapes");
        Assert.Equal(13, afterOne.GetProperty("images").GetInt32());
        Assert.Equal(3, afterOne.GetProperty("unlabelled").GetInt32());
        Assert.Equal(7, afterOne.GetProperty("classes")[0].GetProperty("images").GetInt32());

        var csv = Path.Combine(cli.Scratch("csv"), "labels.csv");
        await File.WriteAllLinesAsync(csv, ["image,class", "b.png,triangles", "cam/c.png,triangles", "squares/squares-000.png,circles"]);
        var bulk = await cli.RunJsonAsync("dataset", "label", "shapes", "--csv", csv);
        Assert.Equal(4, bulk.GetProperty("version").GetInt32());
        Assert.Equal(2, bulk.GetProperty("labelled").GetInt32());
        Assert.Equal(1, bulk.GetProperty("relabelled").GetInt32());
        Assert.Equal(["circles", "squares", "triangles"], bulk.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        var afterBulk = await cli.RunJsonAsync("dataset", "show", "shapes");
        Assert.Equal(1, afterBulk.GetProperty("unlabelled").GetInt32());
        Assert.Equal(2, afterBulk.GetProperty("classes")[2].GetProperty("images").GetInt32());
        Assert.Equal(5, afterBulk.GetProperty("classes")[1].GetProperty("images").GetInt32());

        var undo = await cli.RunJsonAsync("dataset", "restore", "shapes");
        Assert.Equal(5, undo.GetProperty("version").GetInt32());
        Assert.Equal(3, undo.GetProperty("unlabelled").GetInt32());
        Assert.Equal(["circles", "squares"], undo.GetProperty("classes").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Contains("version 3 restored", undo.GetProperty("source").GetString(), StringComparison.Ordinal);

        var unknown = await cli.RunAsync("dataset", "label", "shapes", "nowhere.png", "circles");
        Assert.Equal(3, unknown.ExitCode);
        Assert.Contains("'nowhere.png'", unknown.Error, StringComparison.Ordinal);
        var badClass = await cli.RunAsync("dataset", "label", "shapes", "b.png", "a/b");
        Assert.Equal(2, badClass.ExitCode);
        Assert.Contains("cannot name a class", badClass.Error, StringComparison.Ordinal);
        var emptying = await cli.RunAsync("dataset", "label", "shapes", "--exclude", "squares/squares-000.png", "--exclude", "squares/squares-001.png",
            "--exclude", "squares/squares-002.png", "--exclude", "squares/squares-003.png", "--exclude", "squares/squares-004.png", "--exclude", "squares/squares-005.png");
        Assert.Equal(2, emptying.ExitCode);
        Assert.Contains("'squares' without images", emptying.Error, StringComparison.Ordinal);
    }
}
