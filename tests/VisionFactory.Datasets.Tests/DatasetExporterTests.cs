using System.IO.Compression;
using VisionFactory.Datasets.Export;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>Export of a dataset version as ImageFolder or CSV, to a folder or a .zip, and back in again.</summary>
public sealed class DatasetExporterTests
{
    [Fact]
    public async Task ImageFolderExportImportsBackToTheSameImagesAndClasses()
    {
        await using var f = await ImportFixture.CreateAsync();
        var original = await ImportPetsAsync(f);
        var target = Path.Combine(f.Scratch("out"), "pets-export");

        var result = await new DatasetExporter(f.Catalog, f.Blobs).ExportAsync("pets", null, ExportFormat.ImageFolder, target, null, CancellationToken.None);

        Assert.Equal((8, 2), (result.Images, result.Classes));
        Assert.Equal(["cats", "dogs"], Directory.GetDirectories(target).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var again = await f.Importer.ImportAsync("pets-again", target, ImportOptions.Default, null, CancellationToken.None);
        Assert.Equal(original.Classes, again.Classes);
        Assert.Equal(Labels(original), Labels(again));
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(target)!, ".*partial*"));
    }

    [Fact]
    public async Task CsvExportImportsBackThroughItsManifest()
    {
        await using var f = await ImportFixture.CreateAsync();
        var original = await ImportPetsAsync(f);
        var target = Path.Combine(f.Scratch("out"), "pets-csv");

        await new DatasetExporter(f.Catalog, f.Blobs).ExportAsync("pets", 1, ExportFormat.Csv, target, null, CancellationToken.None);

        var lines = await File.ReadAllLinesAsync(Path.Combine(target, "labels.csv"));
        Assert.Equal("path,label,split", lines[0]);
        Assert.Equal(9, lines.Length);
        var again = await f.Importer.ImportAsync("pets-again", Path.Combine(target, "labels.csv"), ImportOptions.Default, null, CancellationToken.None);
        Assert.Equal(Labels(original), Labels(again));
    }

    [Fact]
    public async Task ZipExportHoldsOneEntryPerImage()
    {
        await using var f = await ImportFixture.CreateAsync();
        await ImportPetsAsync(f);
        var target = Path.Combine(f.Scratch("out"), "pets.zip");

        await new DatasetExporter(f.Catalog, f.Blobs).ExportAsync("pets", null, ExportFormat.ImageFolder, target, null, CancellationToken.None);

        using var zip = ZipFile.OpenRead(target);
        Assert.Equal(8, zip.Entries.Count);
        Assert.All(zip.Entries, e => Assert.Matches("^(cats|dogs)/[0-9a-f]{20}\\.(png|jpg)$", e.FullName));
        var again = await f.Importer.ImportAsync("pets-zip", target, ImportOptions.Default, null, CancellationToken.None);
        Assert.Equal(8, again.Items.Count);
    }

    [Fact]
    public async Task ExportNeverWritesIntoAnExistingTargetOrThroughALink()
    {
        await using var f = await ImportFixture.CreateAsync();
        await ImportPetsAsync(f);
        var outside = f.Scratch("outside");
        var canary = Path.Combine(outside, "canary.txt");
        await File.WriteAllTextAsync(canary, "unchanged");
        var planted = Path.Combine(f.Scratch("out"), "planted");
        Directory.CreateSymbolicLink(planted, outside);
        var exporter = new DatasetExporter(f.Catalog, f.Blobs);

        var throughLink = await Assert.ThrowsAsync<ProblemException>(() =>
            exporter.ExportAsync("pets", null, ExportFormat.ImageFolder, planted, null, CancellationToken.None));
        var existing = await Assert.ThrowsAsync<ProblemException>(() =>
            exporter.ExportAsync("pets", null, ExportFormat.ImageFolder, outside, null, CancellationToken.None));

        Assert.Equal(ProblemKind.Conflict, throughLink.Kind);
        Assert.Contains("already exists", existing.Message, StringComparison.Ordinal);
        Assert.Equal(["canary.txt"], Directory.GetFileSystemEntries(outside).Select(Path.GetFileName));
        Assert.Equal("unchanged", await File.ReadAllTextAsync(canary));
    }

    private static async Task<Domain.Datasets.DatasetVersion> ImportPetsAsync(ImportFixture f)
    {
        var source = f.Scratch("pets");
        SyntheticImages.WriteDataset(source, ["cats", "dogs"], perClass: 4);
        return await f.Importer.ImportAsync("pets", source, ImportOptions.Default, null, CancellationToken.None);
    }

    private static List<string> Labels(Domain.Datasets.DatasetVersion version) =>
        version.Items.Select(i => $"{i.Sha256}:{version.Classes[i.ClassIndex]}").Order(StringComparer.Ordinal).ToList();
}
