using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>Standard dataset formats: CSV manifest, COCO-style JSON, CIFAR-10 binary and MNIST idx.</summary>
public sealed class FormatImportTests
{
    [Fact]
    public async Task CsvManifestImportsEachImageUnderItsLabel()
    {
        await using var f = await ImportFixture.CreateAsync();
        var folder = f.Scratch("csv");
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        var lines = new List<string> { "Path , Label, note" };
        for (var i = 0; i < 6; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(folder, "images", $"{i}.png"), SyntheticImages.Encode(i % 2, i));
            lines.Add($"images/{i}.png,{(i % 2 == 0 ? "\"big, cat\"" : "dog")},x");
        }

        lines.Add("images/missing.png,dog,x");
        var manifest = Path.Combine(folder, "labels.csv");
        await File.WriteAllLinesAsync(manifest, lines);

        var version = await f.Importer.ImportAsync("csv", manifest, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(["big, cat", "dog"], version.Classes);
        Assert.Equal(6, version.Items.Count);
        var skipped = Assert.Single(version.Import.Skipped);
        Assert.Equal("dog/images/missing.png", skipped.Path);
        Assert.Contains("does not exist (labels.csv line 8)", skipped.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../outside.png", "points outside the archive")]
    [InlineData("/etc/passwd", "has an absolute path")]
    [InlineData("images\\..\\..\\x.png", "uses backslashes")]
    public async Task CsvManifestPathEscapingItsFolderIsRefusedNamingTheLine(string path, string reason)
    {
        await using var f = await ImportFixture.CreateAsync();
        var folder = f.Scratch("csv-escape");
        await File.WriteAllBytesAsync(Path.Combine(folder, "a.png"), SyntheticImages.Encode(0, 1));
        var manifest = Path.Combine(folder, "labels.csv");
        await File.WriteAllLinesAsync(manifest, ["path,label", "a.png,cat", $"{path},dog"]);

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("csv", manifest, ImportOptions.Default, null, CancellationToken.None));

        Assert.Contains("labels.csv line 3", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CsvManifestEntryThatIsALinkOutOfItsFolderIsSkipped()
    {
        await using var f = await ImportFixture.CreateAsync();
        var folder = f.Scratch("csv-link");
        var outside = Path.Combine(f.Scratch("outside"), "secret.png");
        await File.WriteAllBytesAsync(outside, SyntheticImages.Encode(3, 3));
        File.CreateSymbolicLink(Path.Combine(folder, "link.png"), outside);
        var rows = new List<string> { "path,label", "link.png,cat" };
        for (var i = 0; i < 4; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(folder, $"{i}.png"), SyntheticImages.Encode(i % 2, i));
            rows.Add($"{i}.png,{(i % 2 == 0 ? "cat" : "dog")}");
        }

        await File.WriteAllLinesAsync(Path.Combine(folder, "labels.csv"), rows);

        var version = await f.Importer.ImportAsync("csv", Path.Combine(folder, "labels.csv"), ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(4, version.Items.Count);
        Assert.Contains("leads outside the manifest's folder", Assert.Single(version.Import.Skipped).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CsvWithoutThePathAndLabelColumnsSaysWhichColumnsAreNeeded()
    {
        await using var f = await ImportFixture.CreateAsync();
        var manifest = Path.Combine(f.Scratch("csv-bad"), "list.csv");
        await File.WriteAllLinesAsync(manifest, ["file,class", "a.png,cat"]);

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("csv", manifest, ImportOptions.Default, null, CancellationToken.None));

        Assert.Contains("header row with the columns path and label", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CocoJsonImportsEachImageUnderItsCategory()
    {
        await using var f = await ImportFixture.CreateAsync();
        var folder = f.Scratch("coco");
        Directory.CreateDirectory(Path.Combine(folder, "img"));
        var images = new List<object>();
        var annotations = new List<object>();
        for (var i = 1; i <= 8; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(folder, "img", $"{i}.png"), SyntheticImages.Encode(i % 2, i));
            images.Add(new { id = i, file_name = $"img/{i}.png", width = 32, height = 32 });
            if (i != 8)
            {
                annotations.Add(new { id = 100 + i, image_id = i, category_id = i % 2 == 0 ? 7 : 9, area = 16 });
            }
        }

        annotations.Add(new { id = 200, image_id = 1, category_id = 7 });
        var json = Path.Combine(folder, "instances.json");
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new
        {
            images,
            annotations,
            categories = new object[] { new { id = 7, name = "even" }, new { id = 9, name = "odd" } },
        }));

        var version = await f.Importer.ImportAsync("coco", json, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(["even", "odd"], version.Classes);
        Assert.Equal(6, version.Items.Count);
        var skipped = version.Import.Skipped.ToDictionary(s => s.Path, s => s.Reason);
        Assert.Contains("2 categories (odd, even)", skipped["img/1.png"], StringComparison.Ordinal);
        Assert.Contains("no annotation", skipped["img/8.png"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cifar10BatchesImportWithTheirClassesAndColours()
    {
        await using var f = await ImportFixture.CreateAsync();
        var folder = f.Scratch("cifar");
        (byte Label, byte R, byte G, byte B)[] records = [(3, 250, 10, 10), (5, 10, 250, 10), (3, 240, 20, 20), (5, 20, 240, 20), (3, 230, 30, 30), (5, 30, 230, 30)];
        await File.WriteAllBytesAsync(Path.Combine(folder, "data_batch_1.bin"), [.. records[..4].SelectMany(Record)]);
        await File.WriteAllBytesAsync(Path.Combine(folder, "test_batch.bin"), [.. records[4..].SelectMany(Record)]);

        var version = await f.Importer.ImportAsync("cifar", folder, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(["cat", "dog"], version.Classes);
        Assert.Equal(6, version.Items.Count);
        var first = version.Items.Single(i => i.SourcePath == "cat/data_batch_1-00000.png");
        var (header, rgb) = ImageDecoder.DecodeSquare(f.Blobs.ReadAllBytes(first.Sha256), 32, ImageLimits.Default);
        Assert.Equal((32, 32), (header.Width, header.Height));
        Assert.Equal(((byte)250, (byte)10, (byte)10), (rgb[0], rgb[1], rgb[2]));
        Assert.Equal(((byte)250, (byte)10, (byte)10), (rgb[^3], rgb[^2], rgb[^1]));

        static byte[] Record((byte Label, byte R, byte G, byte B) r) =>
            [r.Label, .. Enumerable.Repeat(r.R, 1024), .. Enumerable.Repeat(r.G, 1024), .. Enumerable.Repeat(r.B, 1024)];
    }

    [Fact]
    public async Task CifarBatchThatIsNotWholeRecordsIsRefused()
    {
        await using var f = await ImportFixture.CreateAsync();
        var batch = Path.Combine(f.Scratch("cifar-bad"), "data_batch_1.bin");
        await File.WriteAllBytesAsync(batch, new byte[3073 + 100]);

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("cifar", batch, ImportOptions.Default, null, CancellationToken.None));

        Assert.Contains("not a whole number of 3073-byte CIFAR-10 records", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MnistIdxFilesImportWithDigitClasses()
    {
        await using var f = await ImportFixture.CreateAsync();
        var folder = f.Scratch("mnist");
        byte[] labels = [1, 7, 1, 7, 1, 7];
        var pixels = new byte[16 + (labels.Length * 28 * 28)];
        BinaryPrimitives.WriteInt32BigEndian(pixels, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(pixels.AsSpan(4), labels.Length);
        BinaryPrimitives.WriteInt32BigEndian(pixels.AsSpan(8), 28);
        BinaryPrimitives.WriteInt32BigEndian(pixels.AsSpan(12), 28);
        for (var i = 0; i < labels.Length; i++)
        {
            pixels.AsSpan(16 + (i * 784), 784).Fill((byte)(40 * (i + 1)));
        }

        await using (var gz = new GZipStream(File.Create(Path.Combine(folder, "train-images-idx3-ubyte.gz")), CompressionLevel.Fastest))
        {
            await gz.WriteAsync(pixels);
        }
        byte[] labelFile = [0, 0, 8, 1, 0, 0, 0, (byte)labels.Length, .. labels];
        await File.WriteAllBytesAsync(Path.Combine(folder, "train-labels-idx1-ubyte"), labelFile);

        var version = await f.Importer.ImportAsync("mnist", folder, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(["1", "7"], version.Classes);
        Assert.Equal(6, version.Items.Count);
        var third = version.Items.Single(i => i.SourcePath == "1/train-00002.png");
        var (header, rgb) = ImageDecoder.DecodeSquare(f.Blobs.ReadAllBytes(third.Sha256), 28, ImageLimits.Default);
        Assert.Equal((28, 28), (header.Width, header.Height));
        Assert.Equal((byte)120, rgb[0]);
    }

    [Fact]
    public async Task MnistImagesWhoseSizeDisagreesWithTheirHeaderAreRefused()
    {
        await using var f = await ImportFixture.CreateAsync();
        var folder = f.Scratch("mnist-bad");
        var pixels = new byte[16 + 100];
        BinaryPrimitives.WriteInt32BigEndian(pixels, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(pixels.AsSpan(4), 1_000_000);
        BinaryPrimitives.WriteInt32BigEndian(pixels.AsSpan(8), 28);
        BinaryPrimitives.WriteInt32BigEndian(pixels.AsSpan(12), 28);
        await File.WriteAllBytesAsync(Path.Combine(folder, "t10k-images-idx3-ubyte"), pixels);
        await File.WriteAllBytesAsync(Path.Combine(folder, "t10k-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 0]);

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            f.Importer.ImportAsync("mnist", folder, ImportOptions.Default with { Format = ImportFormat.Mnist }, null, CancellationToken.None));

        Assert.Contains("declares 1000000 images of 28x28 pixels, which does not match its 116 bytes", e.Message, StringComparison.Ordinal);
    }
}
