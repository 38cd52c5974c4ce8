using VisionFactory.Datasets.Collect.Geo;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests.Geo;

/// <summary>An uploaded scene and its labels: stored under names the server chooses, bounded, and gone on dispose.</summary>
public sealed class GeoUploadStagingTests : IDisposable
{
    private readonly TempDirectory temp = new("vf-geo-staging");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task SentNamesAreUsedOnlyForTheirExtensionAndTheSceneOpensUnderItsSafeName()
    {
        var (scene, labels) = SyntheticGeoTiff.WriteForestAndWater(temp.Combine());
        var staging = new GeoUploadStaging(temp.Combine("tmp"), 64L << 20);

        await AddAsync(staging, "../../Field A (2024).TIFF", scene);
        await AddAsync(staging, "/etc/passwd.json", labels);
        using (var source = staging.Open(new GeoImportOptions { LabelsPath = staging.Complete().Labels, LabelProperty = "landuse" }))
        {
            Assert.Equal(["labels.geojson", "scene.tif"], Directory.GetFiles(staging.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal("FieldA2024", source.Scenes[0].Name);
            Assert.StartsWith("forest/FieldA2024_x0_y0", source.Files[0].RelativePath, StringComparison.Ordinal);
        }

        staging.Dispose();
        Assert.False(Directory.Exists(staging.Folder));
        Assert.Empty(Directory.GetFileSystemEntries(temp.Combine("tmp")));
    }

    [Fact]
    public async Task AnUploadPastTheLimitIsRefusedWhileItArrives()
    {
        var (scene, _) = SyntheticGeoTiff.WriteForestAndWater(temp.Combine());
        using var staging = new GeoUploadStaging(temp.Combine("tmp"), 100_000);

        var refused = await Assert.ThrowsAsync<FileTooLargeException>(() => AddAsync(staging, "a.tif", scene));

        Assert.Contains("larger than the 97.7 KiB limit", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AShapefileWithoutItsIndexAndAttributesIsRefused()
    {
        var (scene, _) = SyntheticGeoTiff.WriteForestAndWater(temp.Combine());
        using var staging = new GeoUploadStaging(temp.Combine("tmp"), 64L << 20);
        await AddAsync(staging, "a.tif", scene);
        await staging.AddAsync("cover.shp", new MemoryStream(new byte[100]), CancellationToken.None);
        await staging.AddAsync("cover.dbf", new MemoryStream(new byte[100]), CancellationToken.None);

        var problem = Assert.Throws<ProblemException>(() => staging.Complete());

        Assert.Contains(".shx is missing", problem.Message, StringComparison.Ordinal);
    }

    private static async Task AddAsync(GeoUploadStaging staging, string name, string path)
    {
        await using var content = File.OpenRead(path);
        await staging.AddAsync(name, content, CancellationToken.None);
    }
}
