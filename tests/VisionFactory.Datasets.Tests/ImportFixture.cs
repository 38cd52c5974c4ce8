using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Import;
using VisionFactory.Imaging.Caching;
using VisionFactory.Storage;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>A real SQLite file, blob store and pixel cache in a fresh temporary data directory.</summary>
public sealed class ImportFixture : IAsyncDisposable
{
    private readonly TempDirectory temp = new("vf-datasets");

    private ImportFixture(string? dataRoot = null)
    {
        Data = new DataDirectory(dataRoot ?? temp.Combine("data"));
        Db = new VisionFactoryDb(DatabaseSetup.SqliteOptions(Data));
        Blobs = new BlobStore(Data);
        Pixels = new PixelCache(Path.Combine(Data.CachePath, "pixels"));
        Importer = new DatasetImporter(Db, Blobs, Pixels);
        Catalog = new DatasetCatalog(Db);
    }

    public DataDirectory Data { get; }

    public VisionFactoryDb Db { get; }

    public BlobStore Blobs { get; }

    public PixelCache Pixels { get; }

    public DatasetImporter Importer { get; }

    public DatasetCatalog Catalog { get; }

    /// <summary>A scratch folder for source images.</summary>
    public string Scratch(string name)
    {
        var path = temp.Combine("src", name);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A fixture whose data directory is <paramref name="dataRoot"/> (e.g. a small disk) when given.</summary>
    public static async Task<ImportFixture> CreateAsync(string? dataRoot = null)
    {
        var fixture = new ImportFixture(dataRoot);
        await DatabaseSetup.MigrateAsync(fixture.Db, CancellationToken.None);
        return fixture;
    }

    public async ValueTask DisposeAsync()
    {
        await Db.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        temp.Dispose();
    }
}
