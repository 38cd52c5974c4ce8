using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Domain.Datasets;
using VisionFactory.Factory;
using VisionFactory.Storage;
using VisionFactory.Storage.Database;

namespace VisionFactory.Bench;

/// <summary>
/// The queries behind the dataset page on a version of 100 000 images, beside the raw cost of counting that version's
/// rows in SQL: the summary (class counts per split), the first and the last page of the grid, and a filtered page.
/// </summary>
internal static class ScaleBench
{
    private const int Images = 100_000;

    public static async Task RunAsync()
    {
        Console.WriteLine();
        Console.WriteLine($"## Dataset pages with {Images:N0} images (SQLite), median of 5");
        var root = Path.Combine(Path.GetTempPath(), "vf-bench-scale-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var data = new DataDirectory(root);
            await using var services = new ServiceCollection().AddVisionFactory(data).BuildServiceProvider();
            await services.MigrateDatabaseAsync(CancellationToken.None);
            var clock = Stopwatch.StartNew();
            var versionId = await SeedAsync(services);
            Console.WriteLine($"  seeded {Images:N0} image rows in {clock.Elapsed.TotalSeconds:0.0} s");

            await Measure(services, "raw: SELECT COUNT(*) of the version's rows", async db =>
                await db.Images.Where(i => i.DatasetVersionId == versionId).CountAsync());
            await Measure(services, "summary (class counts per split, sizes)", db => new DatasetCatalog(db).SummarizeAsync("big", null, CancellationToken.None));
            await Measure(services, "first page of 48 thumbnails, with the total", db => new DatasetCatalog(db).ListImagesAsync("big", null, new ImageQuery(), CancellationToken.None));
            await Measure(services, "last page of 48", db => new DatasetCatalog(db).ListImagesAsync("big", null, new ImageQuery(Skip: Images - 48), CancellationToken.None));
            await Measure(services, "class 7, test split, page 10", db => new DatasetCatalog(db).ListImagesAsync("big", null, new ImageQuery("class-7", Split.Test, Skip: 480), CancellationToken.None));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<Guid> SeedAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        var classes = Enumerable.Range(0, 10).Select(c => $"class-{c}").ToList();
        var version = new DatasetVersion
        {
            Number = 1,
            Classes = classes,
            Source = "synthetic",
            Split = SplitPlan.Default,
            Import = new ImportReport { FilesSeen = Images, Imported = Images },
        };
        db.Datasets.Add(new Dataset { Name = "big", Versions = [version] });
        await db.SaveChangesAsync();
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var random = new Random(1);
        for (var start = 0; start < Images; start += 10_000)
        {
            db.Images.AddRange(Enumerable.Range(start, 10_000).Select(n => new ImageItem
            {
                DatasetVersionId = version.Id,
                Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(n))),
                SourcePath = $"class-{n % 10}/{n}.jpg",
                ClassIndex = n % 10,
                Width = 640,
                Height = 480,
                Bytes = 50_000 + random.Next(10_000),
                Format = "jpeg",
                Split = (n % 20) switch { < 14 => Split.Train, < 17 => Split.Validation, _ => Split.Test },
            }));
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
        }

        return version.Id;
    }

    private static async Task Measure<T>(IServiceProvider services, string what, Func<VisionFactoryDb, Task<T>> query)
    {
        var times = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
            var clock = Stopwatch.StartNew();
            await query(db);
            if (i > 0)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        Console.WriteLine($"  {what}: {times[times.Count / 2]:0.0} ms");
    }
}
