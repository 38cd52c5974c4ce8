using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Microsoft.EntityFrameworkCore;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>Archives and folders built to escape, to link out, to explode or to confuse (security-and-faults.md).</summary>
public sealed class HostileArchiveTests
{
    [Theory]
    [InlineData("pets/dogs/../../../escape.png", "points outside the archive")]
    [InlineData("/etc/escape.png", "has an absolute path")]
    [InlineData("C:/escape.png", "has an absolute path")]
    [InlineData("pets\\dogs\\..\\..\\escape.png", "uses backslashes")]
    public async Task TarEntryEscapingTheTargetIsRefusedNamingTheEntry(string entry, string reason)
    {
        await using var f = await ImportFixture.CreateAsync();
        var folder = f.Scratch("slip");
        var tar = HostileFiles.WriteTar(folder, "slip.tar", HostileFiles.FileEntry(entry, SyntheticImages.Encode(1, 50)));

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("slip", tar, ImportOptions.Default, null, CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.Contains($"'{entry}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, await f.Db.Datasets.CountAsync());
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(f.Data.Root)!, "escape.png", SearchOption.AllDirectories));
        Assert.Empty(BlobFiles(f));
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink, "is a symbolic link")]
    [InlineData(TarEntryType.HardLink, "is a hard link")]
    public async Task TarLinkEntriesAreRefusedAndTheCanaryIsUnchanged(TarEntryType type, string reason)
    {
        await using var f = await ImportFixture.CreateAsync();
        var canary = Path.Combine(f.Scratch("outside"), "canary.png");
        var canaryBytes = SyntheticImages.Encode(2, 7);
        await File.WriteAllBytesAsync(canary, canaryBytes);
        var link = new PaxTarEntry(type, "pets/cats/link.png") { LinkName = canary };
        var tar = HostileFiles.WriteTar(f.Scratch("links"), "links.tar.gz", link, HostileFiles.FileEntry("pets/cats/link.png", [1, 2, 3]));

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("links", tar, ImportOptions.Default, null, CancellationToken.None));

        Assert.Contains("'pets/cats/link.png'", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Equal(canaryBytes, await File.ReadAllBytesAsync(canary));
        Assert.Equal(0, await f.Db.Datasets.CountAsync());
    }

    [Theory]
    [InlineData("pets.tar")]
    [InlineData("pets.tar.gz")]
    [InlineData("pets.tgz")]
    public async Task TarArchivesImportLikeZips(string name)
    {
        await using var f = await ImportFixture.CreateAsync();
        var tar = HostileFiles.WriteTar(f.Scratch("tar"), name);

        var version = await f.Importer.ImportAsync("pets", tar, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(["cats", "dogs"], version.Classes);
        Assert.Equal(8, version.Items.Count);
        Assert.Contains(version.Items, i => i.SourcePath == "dogs/3.png");
    }

    [Fact]
    public async Task GzipBombTarIsRefusedAtTheRatioLimit()
    {
        await using var f = await ImportFixture.CreateAsync();
        var tar = HostileFiles.WriteTar(f.Scratch("tgz-bomb"), "bomb.tgz", HostileFiles.FileEntry("pets/cats/zeros.png", new byte[32 << 20]));

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("bomb", tar, ImportOptions.Default, null, CancellationToken.None));

        Assert.Contains("zip bomb", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, await f.Db.Datasets.CountAsync());
    }

    [Fact]
    public async Task LinksPlantedInASourceFolderAreNotFollowed()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("planted");
        SyntheticImages.WriteDataset(source, ["cats", "dogs"], perClass: 3);
        var outside = f.Scratch("outside");
        var canary = Path.Combine(outside, "canary.png");
        var canaryBytes = SyntheticImages.Encode(3, 9);
        await File.WriteAllBytesAsync(canary, canaryBytes);
        File.CreateSymbolicLink(Path.Combine(source, "cats", "evil.png"), canary);
        Directory.CreateSymbolicLink(Path.Combine(source, "dogs", "more"), outside);
        Directory.CreateSymbolicLink(Path.Combine(source, "birds"), outside);

        var version = await f.Importer.ImportAsync("planted", source, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(["cats", "dogs"], version.Classes);
        Assert.Equal(6, version.Items.Count);
        var skipped = version.Import.Skipped.ToDictionary(s => s.Path, s => s.Reason);
        Assert.Equal(["birds", "cats/evil.png", "dogs/more"], skipped.Keys.Order(StringComparer.Ordinal));
        Assert.All(skipped.Values, r => Assert.Contains("symbolic link", r, StringComparison.Ordinal));
        Assert.DoesNotContain(version.Items, i => i.Sha256 == Storage.Blobs.BlobStore.Sha256Of(canaryBytes));
        Assert.Equal(canaryBytes, await File.ReadAllBytesAsync(canary));
    }

    [Fact]
    public async Task AMillionEmptyEntriesAreRefusedAtTheEntryLimitWithinSeconds()
    {
        await using var f = await ImportFixture.CreateAsync();
        var zip = HostileFiles.WriteEmptyEntriesZip(f.Scratch("million"), 1_000_000);
        var clock = Stopwatch.StartNew();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        // The archive is refused before the first await, so everything it allocated was allocated on this thread.
        var refused = f.Importer.ImportAsync("million", zip, ImportOptions.Default, null, CancellationToken.None);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        var e = await Assert.ThrowsAsync<ProblemException>(() => refused);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains("1000000 entries; the limit is 200000", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 8L << 20, $"allocated {allocated} bytes");
        Assert.Equal(0, await f.Db.Datasets.CountAsync());
    }

    [Fact]
    public async Task OverlappingEntryBombIsRefusedBeforeInflating()
    {
        await using var f = await ImportFixture.CreateAsync();
        var zip = HostileFiles.WriteOverlappingZip(f.Scratch("overlap"), 10_000);
        Assert.True(new FileInfo(zip).Length < 2 << 20);

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("overlap", zip, ImportOptions.Default, null, CancellationToken.None));

        Assert.Contains("zip bomb", e.Message, StringComparison.Ordinal);
        Assert.Contains("(limit 100)", e.Message, StringComparison.Ordinal);
        Assert.Empty(BlobFiles(f));
    }

    [Theory]
    [InlineData(CompressionLevel.NoCompression, -10, "inflates past the")]
    [InlineData(CompressionLevel.NoCompression, 10, "bytes, not the")]
    [InlineData(CompressionLevel.Optimal, 10, "bytes, not the")]
    public async Task AnEntryWhoseSizeHeaderLiesIsSkippedAsDamaged(CompressionLevel compression, int lie, string reason)
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("liar");
        SyntheticImages.WriteDataset(source, ["cats", "dogs"], perClass: 3);
        var zip = Path.Combine(f.Scratch("liar-zip"), "liar.zip");
        ZipFile.CreateFromDirectory(source, zip, compression, includeBaseDirectory: false);
        var entry = "cats/" + Path.GetFileName(Directory.EnumerateFiles(Path.Combine(source, "cats")).Order(StringComparer.Ordinal).First());
        HostileFiles.ChangeDeclaredSize(zip, entry, lie);

        var version = await f.Importer.ImportAsync("liar", zip, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(5, version.Items.Count);
        var skipped = Assert.Single(version.Import.Skipped);
        Assert.Equal(entry, skipped.Path);
        Assert.Contains("damaged archive entry", skipped.Reason, StringComparison.Ordinal);
        Assert.Contains(reason, skipped.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedImportLeavesNoStoredFilesBehind()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("one-class");
        SyntheticImages.WriteDataset(source, ["cats"], perClass: 4);

        await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("one-class", source, ImportOptions.Default, null, CancellationToken.None));

        Assert.Empty(BlobFiles(f));
        Assert.Equal(0, await f.Db.DatasetVersions.CountAsync());
    }

    [Fact]
    public async Task HostileFileNamesAreStoredUnderHashesAndShownEscaped()
    {
        await using var f = await ImportFixture.CreateAsync();
        var path = Path.Combine(f.Scratch("names"), "names.zip");
        string[] names =
        [
            "cats/a.jpg.php", "cats/%00.jpg", "cats/" + new string('a', 300) + ".jpg", "cats/CON.jpg",
            "cats/evil\u202Egpj.exe", "dogs/<img src=x onerror=alert(1)>.png", "dogs/; rm -rf ~ &.png", "dogs/ok.png",
        ];
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            for (var i = 0; i < names.Length; i++)
            {
                await using var entry = await zip.CreateEntry(names[i]).OpenAsync();
                await entry.WriteAsync(SyntheticImages.Encode(names[i].StartsWith("cats", StringComparison.Ordinal) ? 0 : 1, i));
            }
        }

        var version = await f.Importer.ImportAsync("names", path, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(names.Length, version.Items.Count);
        Assert.Contains(version.Items, i => i.SourcePath == "cats/evil<U+202E>gpj.exe");
        Assert.Contains(version.Items, i => i.SourcePath == names[2]);
        Assert.DoesNotContain(version.Items, i => i.SourcePath.Contains('\u202E', StringComparison.Ordinal));
        Assert.All(BlobFiles(f), b => Assert.Matches("^[0-9a-f]{64}$", Path.GetFileName(b)));
        Assert.Equal(names.Length, BlobFiles(f).Count);
    }

    [Theory]
    [InlineData("cats/page.jpg", "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")]
    [InlineData("cats/drawing.jpg", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\"><script>alert(1)</script><rect width=\"64\" height=\"64\"/></svg>")]
    [InlineData("cats/drawing.svg", "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"9\" height=\"9\"/></svg>")]
    public async Task HtmlAndSvgDisguisedAsImagesAreRejected(string name, string content)
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("disguised");
        SyntheticImages.WriteDataset(source, ["cats", "dogs"], perClass: 3);
        await File.WriteAllTextAsync(Path.Combine(source, name), content);

        var version = await f.Importer.ImportAsync("disguised", source, ImportOptions.Default, null, CancellationToken.None);

        var skipped = Assert.Single(version.Import.Skipped);
        Assert.Equal(name, skipped.Path);
        Assert.Contains("not an image in a supported format", skipped.Reason, StringComparison.Ordinal);
        Assert.Equal(6, version.Items.Count);
    }

    private static List<string> BlobFiles(ImportFixture f) =>
        Directory.Exists(f.Data.BlobsPath) ? Directory.EnumerateFiles(f.Data.BlobsPath, "*", SearchOption.AllDirectories).ToList() : [];
}
