using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Maintenance;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>
/// Reclaiming space without robbing anyone: a failing import removes only the blobs nobody else relies on, and the
/// garbage collector deletes only blobs no row names that are older than its grace period.
/// </summary>
public sealed class BlobReclaimTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ConcurrentImportsSharingFilesOneFailingLeaveEveryImageOfTheOtherReadable()
    {
        await using var failing = await ImportFixture.CreateAsync();

        // The second import shares the first one's blob store (one process, as in the web host) but has its own context.
        await using var other = new SecondImport(failing);
        var shared = failing.Scratch("shared");
        SyntheticImages.WriteDataset(shared, ["cats", "dogs"], perClass: 6, distinct: true);
        var doomed = failing.Scratch("doomed");
        CopyFolder(shared, doomed);

        // A class folder without a usable image fails the import after every file was decoded and stored.
        Directory.CreateDirectory(Path.Combine(doomed, "notes"));
        await File.WriteAllTextAsync(Path.Combine(doomed, "notes", "readme.txt"), "not an image");

        var doomedStored = new ManualResetEventSlim();
        var secondStored = new ManualResetEventSlim();
        var doomedEnded = new ManualResetEventSlim();

        // The failing import stores the shared files first, then waits until the second one has found them present.
        var doomedTask = Task.Run(async () =>
        {
            try
            {
                await failing.Importer.ImportAsync("doomed", doomed, ImportOptions.Default, new Callback(p =>
                {
                    if (p.Done == p.Total)
                    {
                        doomedStored.Set();
                        Assert.True(secondStored.Wait(Patience), "the second import did not get to its files");
                    }
                }), CancellationToken.None);
            }
            finally
            {
                doomedEnded.Set();
            }
        });
        Assert.True(doomedStored.Wait(Patience), "the failing import did not store its files");

        // The second import commits only after the failing one has cleaned up after itself.
        var secondTask = other.Importer.ImportAsync("kept", shared, ImportOptions.Default, new Callback(p =>
        {
            if (p.Done == p.Total)
            {
                secondStored.Set();
                Assert.True(doomedEnded.Wait(Patience), "the failing import did not end");
            }
        }), CancellationToken.None);

        var failure = await Assert.ThrowsAsync<ProblemException>(() => doomedTask);
        Assert.Contains("'notes'", failure.Message, StringComparison.Ordinal);
        var version = await secondTask;

        Assert.Equal(12, version.Items.Count);
        foreach (var item in version.Items)
        {
            var bytes = failing.Blobs.ReadAllBytes(item.Sha256);
            Assert.Equal(item.Sha256, BlobStore.Sha256Of(bytes));
        }
    }

    [Fact]
    public async Task FailedImportAloneStillRemovesTheBlobsItAdded()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("alone");
        SyntheticImages.WriteDataset(source, ["cats", "dogs"], perClass: 3, distinct: true);
        Directory.CreateDirectory(Path.Combine(source, "notes"));
        await File.WriteAllTextAsync(Path.Combine(source, "notes", "readme.txt"), "not an image");

        await Assert.ThrowsAsync<ProblemException>(() => f.Importer.ImportAsync("alone", source, ImportOptions.Default, null, CancellationToken.None));

        Assert.Empty(Directory.EnumerateFiles(f.Data.BlobsPath, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task CollectDeletesOnlyUnreferencedBlobsOlderThanTheGracePeriodAndLeftOverStaging()
    {
        await using var f = await ImportFixture.CreateAsync();
        var source = f.Scratch("kept");
        SyntheticImages.WriteDataset(source, ["cats", "dogs"], perClass: 4, distinct: true);
        var version = await f.Importer.ImportAsync("kept", source, ImportOptions.Default, null, CancellationToken.None);

        // An old orphan (a killed upload's blob), a young one (an import in flight in another process), and a referenced
        // blob made to look old: only the first may go.
        var oldOrphan = f.Blobs.Put("old orphan"u8);
        var youngOrphan = f.Blobs.Put("young orphan"u8);
        var longAgo = DateTime.UtcNow.AddHours(-3);
        File.SetLastWriteTimeUtc(f.Blobs.PathOf(oldOrphan), longAgo);
        File.SetLastWriteTimeUtc(f.Blobs.PathOf(version.Items[0].Sha256), longAgo);
        var staged = Path.Combine(f.Data.TempPath, "upload-killed.zip");
        await File.WriteAllBytesAsync(staged, new byte[1000]);
        File.SetLastWriteTimeUtc(staged, longAgo);
        var freshStaged = Path.Combine(f.Data.TempPath, "upload-in-flight.zip");
        await File.WriteAllBytesAsync(freshStaged, new byte[10]);

        var collector = new BlobCollector(f.Db, f.Blobs, f.Data, TimeProvider.System);
        var dry = await collector.CollectAsync(BlobCollector.DefaultGrace, dryRun: true, CancellationToken.None);
        Assert.Equal((1, 1, 1), (dry.BlobsDeleted, dry.BlobsKeptYoung, dry.StagingDeleted));
        Assert.True(f.Blobs.Exists(oldOrphan));
        Assert.True(File.Exists(staged));

        var report = await collector.CollectAsync(BlobCollector.DefaultGrace, dryRun: false, CancellationToken.None);

        Assert.Equal((1, "old orphan".Length, 1), (report.BlobsDeleted, (int)report.BytesFreed, report.StagingDeleted));
        Assert.False(f.Blobs.Exists(oldOrphan));
        Assert.True(f.Blobs.Exists(youngOrphan));
        Assert.False(File.Exists(staged));
        Assert.True(File.Exists(freshStaged));
        Assert.All(version.Items, i => Assert.True(f.Blobs.Exists(i.Sha256)));
        Assert.True((await new IntegrityCheck(f.Db, f.Blobs).RunAsync(null, CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task CollectKeepsAnOldBlobThatAnImportInFlightFoundPresent()
    {
        await using var f = await ImportFixture.CreateAsync();
        var orphan = f.Blobs.Put("left by a deleted dataset"u8);
        File.SetLastWriteTimeUtc(f.Blobs.PathOf(orphan), DateTime.UtcNow.AddHours(-3));
        var collector = new BlobCollector(f.Db, f.Blobs, f.Data, TimeProvider.System);

        using (f.Blobs.Claim(orphan))
        {
            var during = await collector.CollectAsync(TimeSpan.Zero, dryRun: false, CancellationToken.None);
            Assert.Equal(0, during.BlobsDeleted);
            Assert.True(f.Blobs.Exists(orphan));
        }

        var after = await collector.CollectAsync(TimeSpan.Zero, dryRun: false, CancellationToken.None);
        Assert.Equal(1, after.BlobsDeleted);
        Assert.False(f.Blobs.Exists(orphan));
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private sealed class Callback(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }

    // A second importer on the same data directory and blob store, with its own database context.
    private sealed class SecondImport : IAsyncDisposable
    {
        private readonly Storage.Database.VisionFactoryDb db;

        public SecondImport(ImportFixture first)
        {
            db = new Storage.Database.VisionFactoryDb(Storage.Database.DatabaseSetup.SqliteOptions(first.Data));
            Importer = new DatasetImporter(db, first.Blobs, first.Pixels);
        }

        public DatasetImporter Importer { get; }

        public ValueTask DisposeAsync() => db.DisposeAsync();
    }
}
