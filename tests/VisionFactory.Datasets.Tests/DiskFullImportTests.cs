using Microsoft.EntityFrameworkCore;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>
/// A disk filled while an import runs: these tests run while no other test runs (beside the other test classes the
/// first one once found three blobs left behind, which it never did alone).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FillingADisk
{
    public const string Name = "Filling a disk";
}

/// <summary>An import on a disk that is (or becomes) full: a clear "not enough space", nothing half-written, no temp files.</summary>
[Collection(FillingADisk.Name)]
public sealed class DiskFullImportTests
{
    [Fact]
    public async Task DiskFillingUpDuringAnImportFailsWithNotEnoughSpaceAndLeavesNothingBehind()
    {
        using var disk = new SmallDisk(megabytes: 64);
        await using var f = await ImportFixture.CreateAsync(disk.Combine("data"));
        var source = f.Scratch("noise");
        WriteNoiseImages(source, perClass: 30);
        string? filler = null;

        // Another program fills the disk once the import has begun (its free-space check passed).
        var failure = await Assert.ThrowsAsync<ProblemException>(() => f.Importer.ImportAsync("noise", source, ImportOptions.Default, new Callback(p =>
        {
            if (p.Done == 1)
            {
                filler = disk.FillUp();
            }
        }), CancellationToken.None));

        Assert.Equal(ProblemKind.InsufficientStorage, failure.Kind);
        Assert.Contains("not enough space", failure.Message, StringComparison.Ordinal);
        Assert.NotNull(filler);
        File.Delete(filler);
        Assert.Equal(0, await f.Db.DatasetVersions.CountAsync());
        Assert.Empty(Directory.EnumerateFiles(f.Data.BlobsPath, "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFileSystemEntries(f.Data.TempPath));

        // With the space back, the same import goes through.
        var version = await f.Importer.ImportAsync("noise", source, ImportOptions.Default, null, CancellationToken.None);
        Assert.Equal(60, version.Items.Count);
    }

    [Fact]
    public async Task ImportLargerThanTheFreeSpaceIsRefusedUpFront()
    {
        using var disk = new SmallDisk(megabytes: 20);
        await using var f = await ImportFixture.CreateAsync(disk.Combine("data"));
        var source = f.Scratch("noise");
        WriteNoiseImages(source, perClass: 30);

        var failure = await Assert.ThrowsAsync<ProblemException>(() => f.Importer.ImportAsync("noise", source, ImportOptions.Default, null, CancellationToken.None));

        Assert.Equal(ProblemKind.InsufficientStorage, failure.Kind);
        Assert.Contains("not enough space for the import", failure.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(f.Data.BlobsPath) ? Directory.EnumerateFiles(f.Data.BlobsPath, "*", SearchOption.AllDirectories) : []);
    }

    // Random pixels do not compress: each PNG is about 190 KB, so 60 of them need more than the small disk holds.
    private static void WriteNoiseImages(string root, int perClass)
    {
        var random = new Random(7);
        foreach (var name in new[] { "a", "b" })
        {
            Directory.CreateDirectory(Path.Combine(root, name));
            for (var i = 0; i < perClass; i++)
            {
                using var bitmap = new SkiaSharp.SKBitmap(256, 256);
                var pixels = new byte[256 * 256 * 4];
                random.NextBytes(pixels);
                for (var p = 3; p < pixels.Length; p += 4)
                {
                    pixels[p] = 255;
                }

                System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
                using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
                File.WriteAllBytes(Path.Combine(root, name, $"{i:D3}.png"), data.ToArray());
            }
        }
    }

    private sealed class Callback(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
