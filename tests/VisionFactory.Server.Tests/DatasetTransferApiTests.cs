using System.IO.Compression;
using System.Net;

namespace VisionFactory.Server.Tests;

/// <summary>Imports in a named format and exports of a version as a .zip download.</summary>
public sealed class DatasetTransferApiTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    [Fact]
    public async Task CsvManifestOnTheServerImportsAndTheVersionDownloadsAsCsvAndImageFolder()
    {
        using var images = TinyImageFolder.Create(4);
        var manifest = Path.Combine(images.Root, "list.txt");
        var rows = Directory.GetFiles(images.Root, "*.*", SearchOption.AllDirectories).Where(p => !p.EndsWith(".txt", StringComparison.Ordinal))
            .Select(p => $"{Path.GetRelativePath(images.Root, p)},{Path.GetFileName(Path.GetDirectoryName(p))}-label");
        await File.WriteAllLinesAsync(manifest, ["path,label", .. rows]);
        using var client = factory.CreateClient();

        var import = await client.PostAsync("/api/datasets/from-csv/imports", Json.Body(new { path = manifest, format = "csv" }));
        var csv = await client.GetAsync("/api/datasets/from-csv/export?format=csv");
        var folder = await client.GetAsync("/api/datasets/from-csv/export");
        var unknown = await client.GetAsync("/api/datasets/from-csv/export?format=parquet");

        Assert.Equal(HttpStatusCode.Created, import.StatusCode);
        Assert.Equal(12, (int)(await Json.ReadAsync(import))["images"]!);
        Assert.Equal("application/zip", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("from-csv-v1-csv.zip", csv.Content.Headers.ContentDisposition?.FileNameStar ?? csv.Content.Headers.ContentDisposition?.FileName);
        using (var zip = new ZipArchive(await csv.Content.ReadAsStreamAsync()))
        {
            Assert.Equal(13, zip.Entries.Count);
            using var reader = new StreamReader(zip.GetEntry("labels.csv")!.Open());
            Assert.Equal("path,label,split", await reader.ReadLineAsync());
        }

        using (var zip = new ZipArchive(await folder.Content.ReadAsStreamAsync()))
        {
            Assert.Equal(["blue-label", "green-label", "red-label"], zip.Entries.Select(e => e.FullName.Split('/')[0]).Distinct().Order(StringComparer.Ordinal));
        }

        Assert.Contains("not an export format", (string?)(await Json.ProblemAsync(unknown, 400))["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownImportFormatIsRefused()
    {
        using var images = TinyImageFolder.Create(2);
        using var client = factory.CreateClient();

        var response = await client.PostAsync("/api/datasets/fmt/imports", Json.Body(new { path = images.Root, format = "parquet" }));

        Assert.Contains("not an import format", (string?)(await Json.ProblemAsync(response, 400))["detail"], StringComparison.Ordinal);
    }
}
