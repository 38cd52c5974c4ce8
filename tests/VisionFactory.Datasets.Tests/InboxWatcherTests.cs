using Microsoft.Extensions.Time.Testing;
using VisionFactory.Datasets.Collect.Inbox;
using VisionFactory.Datasets.Import;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>The upload inbox: only completely uploaded files are taken, by dataset and class folder, then imported.</summary>
public sealed class InboxWatcherTests
{
    [Fact]
    public async Task OnlyFilesThatStoppedChangingAreImportedIntoTheDatasetNamedByTheFolder()
    {
        await using var f = await ImportFixture.CreateAsync();
        var inbox = f.Scratch("inbox");
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var watcher = new InboxWatcher(new InboxOptions { Path = inbox, StableFor = TimeSpan.FromSeconds(15) }, time);
        SyntheticImages.WriteDataset(Path.Combine(inbox, "pets"), ["cats", "dogs"], perClass: 3);
        var growing = Path.Combine(inbox, "pets", "dogs", "growing.jpg");
        var jpeg = SyntheticImages.Encode(1, 40, 64, SkiaSharp.SKEncodedImageFormat.Jpeg);
        await File.WriteAllBytesAsync(growing, jpeg[..100]);
        await File.WriteAllBytesAsync(Path.Combine(inbox, "pets", "cats", ".partial.png"), [1, 2, 3]);
        await File.WriteAllBytesAsync(Path.Combine(inbox, "pets", "cats", "upload.png.part"), [1, 2, 3]);
        await File.WriteAllBytesAsync(Path.Combine(inbox, "pets", "top-level.png"), SyntheticImages.Encode(0, 77));

        Assert.Empty(watcher.Scan());
        time.Advance(TimeSpan.FromSeconds(10));
        await File.WriteAllBytesAsync(growing, jpeg[..300]);
        Assert.Empty(watcher.Scan());
        time.Advance(TimeSpan.FromSeconds(10));
        var batch = Assert.Single(watcher.Scan());

        Assert.Equal(("pets", 6), (batch.Dataset, batch.Files));
        Assert.True(File.Exists(growing), "a file still being written was taken");
        Assert.True(File.Exists(Path.Combine(inbox, "pets", "cats", "upload.png.part")));
        Assert.True(File.Exists(Path.Combine(inbox, "pets", "top-level.png")));
        var version = await f.Importer.ImportAsync(batch.Dataset, [batch.Folder], "inbox: 6 files", ImportOptions.Default, null, CancellationToken.None);
        InboxWatcher.Completed(batch);
        Assert.Equal((6, 2), (version.Items.Count, version.Classes.Count));
        Assert.False(Directory.Exists(batch.Folder));

        await File.WriteAllBytesAsync(growing, jpeg);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(watcher.Scan());
        time.Advance(TimeSpan.FromSeconds(20));
        var second = Assert.Single(watcher.Scan());
        var next = await f.Importer.ImportAsync(second.Dataset, [second.Folder], "inbox: 1 file", ImportOptions.Default, null, CancellationToken.None);
        Assert.Equal((2, 7), (next.Number, next.Items.Count));
    }

    [Fact]
    public async Task ABatchThatCannotBeImportedMovesToFailedWithTheReason()
    {
        await using var f = await ImportFixture.CreateAsync();
        var inbox = f.Scratch("inbox");
        var time = new FakeTimeProvider();
        var watcher = new InboxWatcher(new InboxOptions { Path = inbox, StableFor = TimeSpan.FromSeconds(5) }, time);
        SyntheticImages.WriteDataset(Path.Combine(inbox, "lonely"), ["cats"], perClass: 2);
        watcher.Scan();
        time.Advance(TimeSpan.FromSeconds(6));
        var batch = Assert.Single(watcher.Scan());

        var e = await Assert.ThrowsAsync<Domain.ProblemException>(() =>
            f.Importer.ImportAsync(batch.Dataset, [batch.Folder], null, ImportOptions.Default, null, CancellationToken.None));
        watcher.Failed(batch, e.Message);

        var failed = Assert.Single(Directory.GetDirectories(Path.Combine(inbox, ".failed")));
        Assert.Contains("at least two class folders", await File.ReadAllTextAsync(Path.Combine(failed, "reason.txt")), StringComparison.Ordinal);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(failed, "cats")).Length);
    }
}
