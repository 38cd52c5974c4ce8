using Microsoft.EntityFrameworkCore;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>An import that brings no usable image makes no version and says what became of each file given.</summary>
public sealed class ImportThatAddsNothingTests
{
    private static readonly string[] TwoClasses = ["cats", "dogs"];

    [Fact]
    public async Task ImportOfOnlyANonImageIntoADatasetMakesNoVersionAndNamesTheFile()
    {
        await using var f = await ImportFixture.CreateAsync();
        var first = f.Scratch("first");
        SyntheticImages.WriteDataset(first, TwoClasses, perClass: 4);
        await f.Importer.ImportAsync("pets", first, ImportOptions.Default, null, CancellationToken.None);
        var upload = f.Scratch("upload");
        Directory.CreateDirectory(Path.Combine(upload, "cats"));
        await File.WriteAllTextAsync(Path.Combine(upload, "cats", "notes.txt"), "shopping list");

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("pets", upload, ImportOptions.Default, null, CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.StartsWith("nothing was imported: cats/notes.txt: not an image", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, await f.Db.DatasetVersions.CountAsync());
    }

    [Fact]
    public async Task ImportOfImagesAlreadyInTheDatasetMakesNoVersion()
    {
        await using var f = await ImportFixture.CreateAsync();
        var first = f.Scratch("first");
        SyntheticImages.WriteDataset(first, TwoClasses, perClass: 4);
        await f.Importer.ImportAsync("pets", first, ImportOptions.Default, null, CancellationToken.None);

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("pets", first, ImportOptions.Default, null, CancellationToken.None));

        Assert.Equal("nothing was imported: the 8 images given are already in version 1; no new version was made", e.Message);
        Assert.Equal(1, await f.Db.DatasetVersions.CountAsync());
    }

    [Fact]
    public async Task NewDatasetOfOnlyNonImagesSaysNotAnImageRatherThanEmptyFolder()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("texts");
        Directory.CreateDirectory(Path.Combine(source, "cats"));
        Directory.CreateDirectory(Path.Combine(source, "dogs"));
        await File.WriteAllTextAsync(Path.Combine(source, "cats", "notes.txt"), "shopping list");
        await File.WriteAllTextAsync(Path.Combine(source, "dogs", "todo.txt"), "walk");

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("texts", source, ImportOptions.Default, null, CancellationToken.None));

        Assert.StartsWith("nothing was imported: cats/notes.txt: not an image", e.Message, StringComparison.Ordinal);
        Assert.Contains("; dogs/todo.txt: not an image", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("contain no usable", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, await f.Db.Datasets.CountAsync());
    }

    [Fact]
    public async Task ClassFolderOfOnlyNonImagesIsNamedWithItsFilesInGoodGrammar()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("mixed");
        SyntheticImages.WriteDataset(source, TwoClasses, perClass: 4);
        Directory.CreateDirectory(Path.Combine(source, "birds"));
        await File.WriteAllTextAsync(Path.Combine(source, "birds", "notes.txt"), "shopping list");

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("mixed", source, ImportOptions.Default, null, CancellationToken.None));

        Assert.StartsWith("the class folder 'birds' holds no usable image (birds/notes.txt: not an image", e.Message, StringComparison.Ordinal);
        Assert.EndsWith(": add images or remove the folder; nothing was imported", e.Message, StringComparison.Ordinal);
    }
}
