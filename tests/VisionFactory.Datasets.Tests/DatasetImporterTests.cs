using System.IO.Compression;
using Microsoft.EntityFrameworkCore;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

public sealed class DatasetImporterTests
{
    private static readonly string[] TwoClasses = ["cats", "dogs"];

    [Fact]
    public async Task ImportsAFolderWithClassesSplitAndCachedPixels()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("pets");
        SyntheticImages.WriteDataset(source, TwoClasses, perClass: 20, distinct: true);

        var version = await f.Importer.ImportAsync("pets", source, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(1, version.Number);
        Assert.Equal(TwoClasses, version.Classes);
        Assert.Equal(40, version.Items.Count);
        Assert.Empty(version.Import.Skipped);
        // No near-duplicates among these images, so nothing is grouped and the split is exactly 70 / 15 / 15 per class.
        Assert.Equal(0, version.Import.Grouping?.ImagesInGroups ?? 0);
        foreach (var c in new[] { 0, 1 })
        {
            var items = version.Items.Where(i => i.ClassIndex == c).ToList();
            Assert.Equal((14, 3, 3), (items.Count(i => i.Split == Split.Train), items.Count(i => i.Split == Split.Validation), items.Count(i => i.Split == Split.Test)));
        }

        Assert.All(version.Items, i =>
        {
            Assert.True(f.Blobs.Exists(i.Sha256));
            Assert.True(f.Pixels.TryRead(i.Sha256, DatasetImporter.WarmCacheSize, out _));
            Assert.Equal(32, i.Width);
        });
    }

    [Fact]
    public async Task IdenticalFilesAreStoredOnceAndReported()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("dups");
        SyntheticImages.WriteDataset(source, TwoClasses, perClass: 5);
        File.Copy(Path.Combine(source, "cats", "000.png"), Path.Combine(source, "cats", "copy.png"));
        File.Copy(Path.Combine(source, "cats", "000.png"), Path.Combine(source, "dogs", "copy.png"));

        var version = await f.Importer.ImportAsync("dups", source, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(10, version.Items.Count);
        var group = Assert.Single(version.Import.Duplicates);
        Assert.Equal(["cats/000.png", "cats/copy.png", "dogs/copy.png"], group.Paths);
        Assert.True(group.CrossesClasses);
        Assert.Equal(12, version.Import.FilesSeen);
    }

    [Fact]
    public async Task CorruptTruncatedAndNonImageFilesAreSkippedWithReasons()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("bad");
        SyntheticImages.WriteDataset(source, TwoClasses, perClass: 4);
        await File.WriteAllTextAsync(Path.Combine(source, "cats", "notes.txt"), "not an image");
        var jpeg = SyntheticImages.Encode(0, 99, 64, SkiaSharp.SKEncodedImageFormat.Jpeg);
        await File.WriteAllBytesAsync(Path.Combine(source, "cats", "truncated.jpg"), jpeg[..(jpeg.Length / 2)]);
        await File.WriteAllBytesAsync(Path.Combine(source, "dogs", "empty.png"), []);
        await File.WriteAllTextAsync(Path.Combine(source, "README.md"), "top-level file");

        var version = await f.Importer.ImportAsync("bad", source, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(8, version.Items.Count);
        var reasons = version.Import.Skipped.ToDictionary(s => s.Path, s => s.Reason);
        Assert.Equal(["README.md", "cats/notes.txt", "cats/truncated.jpg", "dogs/empty.png"], reasons.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("not an image", reasons["cats/notes.txt"], StringComparison.Ordinal);
        Assert.Contains("truncated", reasons["cats/truncated.jpg"], StringComparison.Ordinal);
        Assert.Contains("empty", reasons["dogs/empty.png"], StringComparison.Ordinal);
        Assert.Contains("class folder", reasons["README.md"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImageOverThePixelLimitIsSkippedBeforeDecoding()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("big");
        SyntheticImages.WriteDataset(source, TwoClasses, perClass: 3);
        await File.WriteAllBytesAsync(Path.Combine(source, "cats", "huge.png"), SyntheticImages.Encode(0, 1, 300));
        var options = ImportOptions.Default with { Limits = ImportOptions.Default.Limits with { MaxPixels = 250 * 250 } };

        var version = await f.Importer.ImportAsync("big", source, options, null, CancellationToken.None);

        var skipped = Assert.Single(version.Import.Skipped);
        Assert.Equal("cats/huge.png", skipped.Path);
        Assert.Contains("megapixel limit", skipped.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyClassFolderFailsAndStoresNothing()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("empty-class");
        SyntheticImages.WriteDataset(source, TwoClasses, perClass: 3);
        Directory.CreateDirectory(Path.Combine(source, "birds"));

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("empty-class", source, ImportOptions.Default, null, CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.Contains("'birds'", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, await f.Db.Datasets.CountAsync());
    }

    [Fact]
    public async Task SingleClassFailsWithAMessageAboutTwoClasses()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("one");
        SyntheticImages.WriteDataset(source, ["cats"], perClass: 4);

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("one", source, ImportOptions.Default, null, CancellationToken.None));

        Assert.Contains("at least two", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, await f.Db.DatasetVersions.CountAsync());
    }

    [Fact]
    public async Task ZipWithAWrappingFolderImports()
    {
        await using var f = await ImportFixture.CreateAsync();
        var zipPath = await WriteZip(f, "pets.zip", zip => { });

        var version = await f.Importer.ImportAsync("pets", zipPath, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(TwoClasses, version.Classes);
        Assert.Equal(8, version.Items.Count);
        Assert.Contains(version.Items, i => i.SourcePath == "dogs/3.png");
    }

    [Fact]
    public async Task MacZipClutterIsLeftOutBeforeClassesAreRead()
    {
        // A zip made by macOS' Finder: resource forks under __MACOSX/ beside the wrapping folder, and .DS_Store files.
        await using var f = await ImportFixture.CreateAsync();
        var zipPath = await WriteZip(f, "mac.zip", zip =>
        {
            WriteEntry(zip, "__MACOSX/pets/cats/._0.png", [0, 5, 22, 7, 0, 2, 0, 0]).GetAwaiter().GetResult();
            WriteEntry(zip, "__MACOSX/pets/._.DS_Store", [0, 5, 22, 7]).GetAwaiter().GetResult();
            WriteEntry(zip, "pets/.DS_Store", [0, 0, 0, 1, 66, 117, 100, 49]).GetAwaiter().GetResult();
            WriteEntry(zip, "pets/dogs/Thumbs.db", [208, 207, 17, 224]).GetAwaiter().GetResult();
        });

        var version = await f.Importer.ImportAsync("mac", zipPath, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(TwoClasses, version.Classes);
        Assert.Equal(8, version.Items.Count);
        Assert.Empty(version.Import.Skipped);
        Assert.Equal(8, version.Import.FilesSeen);
    }

    [Fact]
    public async Task HiddenAndSystemFilesInAFolderAreLeftOut()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("clutter");
        SyntheticImages.WriteDataset(source, TwoClasses, perClass: 4);
        await File.WriteAllBytesAsync(Path.Combine(source, ".DS_Store"), [0, 0, 0, 1]);
        await File.WriteAllBytesAsync(Path.Combine(source, "cats", "desktop.ini"), [91, 46]);
        Directory.CreateDirectory(Path.Combine(source, ".thumbnails"));
        await File.WriteAllBytesAsync(Path.Combine(source, ".thumbnails", "0.png"), SyntheticImages.Encode(0, 0));
        Directory.CreateDirectory(Path.Combine(source, "__MACOSX", "cats"));
        await File.WriteAllBytesAsync(Path.Combine(source, "__MACOSX", "cats", "._000.png"), [0, 5, 22, 7]);

        var version = await f.Importer.ImportAsync("clutter", source, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(TwoClasses, version.Classes);
        Assert.Equal(8, version.Items.Count);
        Assert.Empty(version.Import.Skipped);
    }

    [Theory]
    [InlineData("pets/dogs/../../../escape.png", "points outside the archive")]
    [InlineData("/etc/escape.png", "has an absolute path")]
    [InlineData("C:/escape.png", "has an absolute path")]
    [InlineData("pets\\dogs\\escape.png", "uses backslashes")]
    public async Task ZipSlipEntryIsRefusedNamingTheEntry(string entry, string reason)
    {
        await using var f = await ImportFixture.CreateAsync();
        var zipPath = await WriteZip(f, "slip.zip", zip => WriteEntry(zip, entry, SyntheticImages.Encode(1, 50)).GetAwaiter().GetResult());

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("slip", zipPath, ImportOptions.Default, null, CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.Contains($"'{entry}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, await f.Db.Datasets.CountAsync());
    }

    [Fact]
    public async Task ZipBombIsRefusedBeforeInflating()
    {
        await using var f = await ImportFixture.CreateAsync();
        var zipPath = await WriteZip(f, "bomb.zip", zip => WriteEntry(zip, "pets/cats/bomb.png", new byte[64 * 1024 * 1024]).GetAwaiter().GetResult());

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("bomb", zipPath, ImportOptions.Default, null, CancellationToken.None));

        Assert.Contains("zip bomb", e.Message, StringComparison.Ordinal);
        Assert.Contains("pets/cats/bomb.png", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ArchiveOverTheEntryLimitIsRefused()
    {
        await using var f = await ImportFixture.CreateAsync();
        var zipPath = await WriteZip(f, "many.zip", zip => { });
        var options = ImportOptions.Default with { Archive = ArchiveLimits.Default with { MaxEntries = 5 } };

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("many", zipPath, options, null, CancellationToken.None));

        Assert.Contains("the limit is 5", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ArchiveInflatingPastTheTotalLimitIsRefused()
    {
        await using var f = await ImportFixture.CreateAsync();
        var zipPath = await WriteZip(f, "big.zip", zip => { });
        var options = ImportOptions.Default with { Archive = ArchiveLimits.Default with { MaxTotalBytes = 1000 } };

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("big", zipPath, options, null, CancellationToken.None));

        Assert.Contains("the limit is", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, await f.Db.Datasets.CountAsync());
    }

    [Fact]
    public async Task UnreadableArchiveIsReportedAsInvalid()
    {
        await using var f = await ImportFixture.CreateAsync();
        var zipPath = Path.Combine(f.Scratch("broken"), "broken.zip");
        await File.WriteAllTextAsync(zipPath, "this is not a zip archive");

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("broken", zipPath, ImportOptions.Default, null, CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.Contains("not a readable .zip", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondImportMakesANewVersionAndKeepsEarlierSplits()
    {
        await using var f = await ImportFixture.CreateAsync();
        var first = f.Scratch("first");
        SyntheticImages.WriteDataset(first, TwoClasses, perClass: 10);
        var v1 = await f.Importer.ImportAsync("pets", first, ImportOptions.Default, null, CancellationToken.None);
        var second = f.Scratch("second");
        SyntheticImages.WriteDataset(second, ["birds"], perClass: 10, firstStyle: 2);

        var v2 = await f.Importer.ImportAsync("pets", second, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(2, v2.Number);
        Assert.Equal(["cats", "dogs", "birds"], v2.Classes);
        Assert.Equal(30, v2.Items.Count);
        var splits = v1.Items.ToDictionary(i => i.Sha256, i => i.Split);
        Assert.All(v2.Items.Where(i => splits.ContainsKey(i.Sha256)), i => Assert.Equal(splits[i.Sha256], i.Split));
        Assert.Equal(20, (await f.Catalog.GetVersionAsync("pets", 1, withItems: true, CancellationToken.None)).Items.Count);
    }

    [Fact]
    public async Task UnknownDatasetNamesTheKnownOnes()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("pets");
        SyntheticImages.WriteDataset(source, TwoClasses, perClass: 3);
        await f.Importer.ImportAsync("pets", source, ImportOptions.Default, null, CancellationToken.None);

        var e = await Assert.ThrowsAsync<ProblemException>(() => f.Catalog.SummarizeAsync("pest", null, CancellationToken.None));

        Assert.Equal(ProblemKind.NotFound, e.Kind);
        Assert.Contains("known datasets: pets", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidDatasetNameIsRejected()
    {
        await using var f = await ImportFixture.CreateAsync();

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("../etc", f.Scratch("x"), ImportOptions.Default, null, CancellationToken.None));

        Assert.Contains("not a valid dataset name", e.Message, StringComparison.Ordinal);
    }

    // Four cats and four dogs under a wrapping folder, plus whatever extra entries the test adds.
    private static async Task<string> WriteZip(ImportFixture f, string name, Action<ZipArchive> extra)
    {
        var zipPath = Path.Combine(f.Scratch("zip-" + name), name);
        using var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create);
        for (var i = 0; i < 4; i++)
        {
            await WriteEntry(zip, $"pets/cats/{i}.png", SyntheticImages.Encode(0, i));
            await WriteEntry(zip, $"pets/dogs/{i}.png", SyntheticImages.Encode(1, i));
        }

        extra(zip);
        return zipPath;
    }

    private static async Task WriteEntry(ZipArchive zip, string name, byte[] content)
    {
        await using var stream = await zip.CreateEntry(name).OpenAsync();
        await stream.WriteAsync(content);
    }
}
