using System.Text;
using Microsoft.EntityFrameworkCore;
using VisionFactory.Datasets.Collect.PublicData;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests.PublicData;

/// <summary>
/// Public datasets against a loopback server serving generated files in the real formats: downloaded through the guarded
/// fetcher, verified by digest, held to the size cap, resumed after a cut, taken from a mirror, and imported with the
/// dataset's own train / test split.
/// </summary>
public sealed class PublicDatasetImportTests
{
    private static readonly WebCollectOptions Web = WebCollectOptions.Default with { AllowedRanges = ["127.0.0.2/32"], PerHostInterval = TimeSpan.Zero };

    [Fact]
    public async Task Cifar10PythonBatchesImportWithTheirClassesAndTheirOwnTestSplit()
    {
        await using var f = await ImportFixture.CreateAsync();
        var archive = PublicDatasetFiles.Cifar10PythonArchive(perBatch: 1, perClassTest: 2);
        using var server = new FileServer(new Dictionary<string, byte[]> { ["cifar-10-python.tar.gz"] = archive });
        var entry = Entry("cifar10", PublicLayout.Cifar10Python, server, ("cifar-10-python.tar.gz", archive));

        var version = await ImportAsync(f, entry, "cifar");

        Assert.Equal(PublicDatasetFiles.Cifar10Classes.Order(StringComparer.Ordinal), version.Classes);
        Assert.Equal(70, version.Items.Count);
        var test = version.Items.Where(i => i.Split == Split.Test).Select(i => i.SourcePath).ToList();
        Assert.Equal(20, test.Count);
        Assert.All(test, p => Assert.Contains("/test_batch-", p, StringComparison.Ordinal));
        var train = version.Items.Where(i => i.Split != Split.Test).ToList();
        Assert.All(train, i => Assert.Contains("/data_batch_", i.SourcePath, StringComparison.Ordinal));
        Assert.Equal(10, train.Count(i => i.Split == Split.Validation));
        Assert.Equal(20.0 / 70, version.Split.Test, 6);

        // The first image of data_batch_1 has label 0 (airplane); its pixels are the batch's first 3072 bytes as planes.
        var first = version.Items.Single(i => i.SourcePath == "airplane/data_batch_1-00000.png");
        var pixels = new byte[10 * 3072];
        new Random(1).NextBytes(pixels);
        var (header, rgb) = ImageDecoder.DecodeSquare(f.Blobs.ReadAllBytes(first.Sha256), 32, ImageLimits.Default);
        Assert.Equal((32, 32), (header.Width, header.Height));
        Assert.Equal((pixels[0], pixels[1024], pixels[2048]), (rgb[0], rgb[1], rgb[2]));
        Assert.Equal((pixels[1023], pixels[2047], pixels[3071]), (rgb[^3], rgb[^2], rgb[^1]));
        Assert.Contains("public dataset cifar10", version.Source, StringComparison.Ordinal);

        // A documented download address is not crawled: robots.txt is not asked for.
        Assert.Equal(["cifar-10-python.tar.gz"], server.Requests.Select(r => r.Name));
    }

    [Fact]
    public async Task Cifar100TakesTheFineLabelsAndNames()
    {
        await using var f = await ImportFixture.CreateAsync();
        string[] fine = ["apple", "aquarium_fish", "baby"];
        var archive = PublicDatasetFiles.Cifar100PythonArchive(fine, perClassTrain: 5, perClassTest: 2);
        using var server = new FileServer(new Dictionary<string, byte[]> { ["cifar-100-python.tar.gz"] = archive });

        var version = await ImportAsync(f, Entry("cifar100", PublicLayout.Cifar100Python, server, ("cifar-100-python.tar.gz", archive)), "c100");

        Assert.Equal(fine, version.Classes);
        Assert.Equal(21, version.Items.Count);
        Assert.Equal(6, version.Items.Count(i => i.Split == Split.Test));
        Assert.All(version.Items.Where(i => i.Split == Split.Test), i => Assert.Contains("/test-", i.SourcePath, StringComparison.Ordinal));
    }

    [Fact]
    public async Task MnistStyleIdxFilesKeepTheirTestFileAsTheTestSplitAndTakeTheCataloguesClassNames()
    {
        await using var f = await ImportFixture.CreateAsync();
        var files = PublicDatasetFiles.MnistFiles(perClassTrain: 3, perClassTest: 1);
        using var server = new FileServer(files);
        string[] garments = ["t-shirt-top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"];
        var entry = Entry("fashion-mnist", PublicLayout.MnistIdx, server, [.. files.Select(kv => (kv.Key, kv.Value))]) with { Classes = garments };

        var version = await ImportAsync(f, entry, "fashion");

        Assert.Equal(garments.Order(StringComparer.Ordinal), version.Classes);
        Assert.Equal(40, version.Items.Count);
        var test = version.Items.Where(i => i.Split == Split.Test).ToList();
        Assert.Equal(10, test.Count);
        Assert.All(test, i => Assert.Contains("/t10k-", i.SourcePath, StringComparison.Ordinal));
        Assert.Contains(version.Items, i => i.SourcePath == "trouser/train-00001.png" && i.Split != Split.Test);
    }

    [Fact]
    public async Task AZipOfTrainAndValFoldersKeepsValAsTheTestSplit()
    {
        await using var f = await ImportFixture.CreateAsync();
        var zip = PublicDatasetFiles.HymenopteraZip(perClassTrain: 4, perClassVal: 2);
        using var server = new FileServer(new Dictionary<string, byte[]> { ["hymenoptera_data.zip"] = zip });

        var version = await ImportAsync(f, Entry("hymenoptera", PublicLayout.SplitFoldersZip, server, ("hymenoptera_data.zip", zip)), "bugs");

        Assert.Equal(["ants", "bees"], version.Classes);
        Assert.Equal(12, version.Items.Count);
        Assert.Equal(["ants/val/val_0.jpg", "ants/val/val_1.jpg", "bees/val/val_0.jpg", "bees/val/val_1.jpg"],
            version.Items.Where(i => i.Split == Split.Test).Select(i => i.SourcePath).Order(StringComparer.Ordinal));
        Assert.All(version.Items.Where(i => i.Split != Split.Test), i => Assert.Contains("/train/", i.SourcePath, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AWrongDigestIsRefusedAndNothingIsStored()
    {
        await using var f = await ImportFixture.CreateAsync();
        var zip = PublicDatasetFiles.HymenopteraZip();
        using var server = new FileServer(new Dictionary<string, byte[]> { ["hymenoptera_data.zip"] = zip });
        var other = PublicDatasetFiles.HymenopteraZip(perClassTrain: 3);
        var entry = Entry("hymenoptera", PublicLayout.SplitFoldersZip, server, ("hymenoptera_data.zip", other));

        var e = await Assert.ThrowsAsync<ProblemException>(() => ImportAsync(f, entry, "bugs"));

        Assert.Contains("does not match its published MD5", e.Message, StringComparison.Ordinal);
        Assert.Contains(PublicDatasetFiles.Md5(zip), e.Message, StringComparison.Ordinal);
        Assert.False(await f.Db.Datasets.AnyAsync());
        Assert.DoesNotContain(Directory.EnumerateFiles(f.Data.Root, "*", SearchOption.AllDirectories), p => p.Contains("public", StringComparison.Ordinal));
        Assert.False(Directory.Exists(f.Data.BlobsPath) && Directory.EnumerateFiles(f.Data.BlobsPath, "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task AFileLargerThanTheSizeCapIsCutOffAndNothingIsKept()
    {
        await using var f = await ImportFixture.CreateAsync();
        var zip = PublicDatasetFiles.HymenopteraZip();
        using var server = new FileServer(new Dictionary<string, byte[]> { ["hymenoptera_data.zip"] = zip });
        var entry = Entry("hymenoptera", PublicLayout.SplitFoldersZip, server, ("hymenoptera_data.zip", zip));

        var e = await Assert.ThrowsAsync<ProblemException>(() => ImportAsync(f, entry, "bugs", new PublicDatasetOptions { MaxBytes = zip.Length / 2 }));

        Assert.Contains($"the limit is {zip.Length / 2}", e.Message, StringComparison.Ordinal);
        Assert.False(await f.Db.Datasets.AnyAsync());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(f.Data.CachePath, "public"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ACutOffDownloadKeepsItsPartAndTheNextAttemptResumesIt()
    {
        await using var f = await ImportFixture.CreateAsync();
        var zip = PublicDatasetFiles.HymenopteraZip();
        using var server = new FileServer(new Dictionary<string, byte[]> { ["hymenoptera_data.zip"] = zip });
        server.CutAfter["hymenoptera_data.zip"] = 5000;
        var entry = Entry("hymenoptera", PublicLayout.SplitFoldersZip, server, ("hymenoptera_data.zip", zip));

        var cut = await Assert.ThrowsAsync<ProblemException>(() => ImportAsync(f, entry, "bugs"));
        var part = Path.Combine(f.Data.CachePath, "public", "hymenoptera", "hymenoptera_data.zip.part");
        var kept = new FileInfo(part).Length;
        var version = await ImportAsync(f, entry, "bugs");

        Assert.Contains("the next attempt resumes it", cut.Message, StringComparison.Ordinal);
        Assert.Equal(5000, kept);
        Assert.Equal([null, "bytes=5000-"], server.Requests.Where(r => r.Name == "hymenoptera_data.zip").Select(r => r.Range));
        Assert.Equal(12, version.Items.Count);
        Assert.False(File.Exists(part));
    }

    [Fact]
    public async Task AMirrorReplacesTheOfficialAddressAndIsTrustedOnLoopback()
    {
        await using var f = await ImportFixture.CreateAsync();
        var zip = PublicDatasetFiles.HymenopteraZip();
        using var mirror = new FileServer(new Dictionary<string, byte[]> { ["hymenoptera_data.zip"] = zip }, "127.0.0.3");
        using var official = new FileServer(new Dictionary<string, byte[]> { ["hymenoptera_data.zip"] = zip }, "127.0.0.3");
        var entry = Entry("hymenoptera", PublicLayout.SplitFoldersZip, official, ("hymenoptera_data.zip", zip));

        // Without a mirror, the loopback "official" address is refused by the guard (127.0.0.3 is not an allowed range).
        var refused = await Assert.ThrowsAsync<ProblemException>(() => ImportAsync(f, entry, "bugs"));
        var version = await ImportAsync(f, entry, "bugs", mirror: mirror.BaseUri + "pub/");

        Assert.Contains("is refused", refused.Message, StringComparison.Ordinal);
        Assert.Empty(official.Requests);
        Assert.Equal("hymenoptera_data.zip", Assert.Single(mirror.Requests).Name);
        Assert.Equal(12, version.Items.Count);
        Assert.Contains("from the mirror http://127.0.0.3", version.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APickleThatNeedsAnyOtherClassIsRefusedUnrun()
    {
        await using var f = await ImportFixture.CreateAsync();
        var hostile = Encoding.Latin1.GetBytes("\u0080\u0002cos\nsystem\nq\u0001U\u0002idq\u0002\u0085q\u0003Rq\u0004.");
        var archive = TarGz(("cifar-100-python/train", hostile), ("cifar-100-python/test", hostile), ("cifar-100-python/meta", hostile));
        using var server = new FileServer(new Dictionary<string, byte[]> { ["cifar-100-python.tar.gz"] = archive });

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            ImportAsync(f, Entry("cifar100", PublicLayout.Cifar100Python, server, ("cifar-100-python.tar.gz", archive)), "c100"));

        Assert.Contains("needs the Python class os.system", e.Message, StringComparison.Ordinal);
        Assert.False(await f.Db.Datasets.AnyAsync());
    }

    [Fact]
    public void TheBuiltInCatalogueHasTheFiveDatasetsWithPublishedDigestsWhereKnown()
    {
        var catalog = PublicDatasetCatalog.Load(null);

        Assert.Equal(["cifar10", "cifar100", "mnist", "fashion-mnist", "hymenoptera"], catalog.Datasets.Select(d => d.Id));
        Assert.All(catalog.Datasets, d => Assert.Null(PublicDatasetCatalog.Problem(d)));
        Assert.Equal("c58f30108f718f92721af3b95e74349a", catalog.Find("CIFAR10").Files.Single().Md5);
        Assert.True(catalog.Find("mnist").Verified);
        Assert.False(catalog.Find("hymenoptera").Verified);
        Assert.Equal(ProblemKind.NotFound, Assert.Throws<ProblemException>(() => catalog.Find("imagenet")).Kind);
    }

    private static PublicDataset Entry(string id, PublicLayout layout, FileServer server, params (string Name, byte[] Bytes)[] files) =>
        new(id, "Test " + id, "generated", server.BaseUri.ToString(), layout,
            files.Select(x => new PublicFile(x.Name, server.Url("official/" + x.Name).ToString(), Md5: PublicDatasetFiles.Md5(x.Bytes))).ToList());

    private static async Task<DatasetVersion> ImportAsync(ImportFixture f, PublicDataset entry, string dataset, PublicDatasetOptions? settings = null, string? mirror = null)
    {
        var import = await PublicDatasetImport.CreateAsync(entry, mirror, settings ?? new PublicDatasetOptions(), Web, f.Data.CachePath, f.Data.TempPath, CancellationToken.None);
        return await import.ImportAsync(f.Importer, dataset, ImportOptions.Default, null, CancellationToken.None);
    }

    private static byte[] TarGz(params (string Name, byte[] Data)[] members)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new System.Formats.Tar.TarWriter(gzip))
        {
            foreach (var (name, data) in members)
            {
                tar.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            }
        }

        return buffer.ToArray();
    }
}
