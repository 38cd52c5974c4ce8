using VisionFactory.Datasets.Import;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Imaging.Thumbnails;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>Thumbnails are made by the import's own decode, so the first view of a new dataset decodes nothing.</summary>
public sealed class ThumbnailsAtImportTests
{
    [Fact]
    public async Task EveryImportedImageHasItsThumbnailBeforeItIsViewed()
    {
        await using var f = await ImportFixture.CreateAsync();
        var thumbnails = new ThumbnailCache(Path.Combine(f.Data.CachePath, "thumbnails"));
        var importer = new DatasetImporter(f.Db, f.Blobs, f.Pixels, thumbnails);
        var source = f.Scratch("thumbs");
        SyntheticImages.WriteDataset(source, ["cats", "dogs"], perClass: 3, size: 400);

        var version = await importer.ImportAsync("thumbs", source, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(6, version.Items.Count);
        foreach (var item in version.Items)
        {
            var path = Path.Combine(thumbnails.Root, item.Sha256[..2], item.Sha256 + ".jpg");
            Assert.True(File.Exists(path), $"no thumbnail for {item.SourcePath}");
            var (header, _) = ImageDecoder.DecodeSquare(await File.ReadAllBytesAsync(path), 8, ImageLimits.Default);
            Assert.Equal(("jpeg", ThumbnailCache.Side), (header.Format, Math.Max(header.Width, header.Height)));
            Assert.True(f.Pixels.TryRead(item.Sha256, DatasetImporter.WarmCacheSize, out _));
        }
    }
}
