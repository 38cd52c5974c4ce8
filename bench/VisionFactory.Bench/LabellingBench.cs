using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Editing;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Users;
using VisionFactory.Factory;
using VisionFactory.Storage;
using VisionFactory.Storage.Database;

namespace VisionFactory.Bench;

/// <summary>
/// The labelling grid and bulk labelling on a version of 100 000 images (90 000 labelled, 10 000 in the pool), SQLite:
/// pages of the grid under each filter (targets: at most 100 ms a page), then a bulk relabel of 10 000 labelled images,
/// a bulk labelling of the 10 000 pool images and an undo (restore), each making a new version (target: at most 5 s).
/// </summary>
internal static class LabellingBench
{
    private const int Images = 100_000;

    private const int Pool = 10_000;

    public static async Task RunAsync()
    {
        Console.WriteLine();
        Console.WriteLine($"## Labelling with {Images:N0} images ({Pool:N0} unlabelled), SQLite; pages: median of 5 (target <= 100 ms), changes: one each (target <= 5 s)");
        var root = Path.Combine(Path.GetTempPath(), "vf-bench-label-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var data = new DataDirectory(root);
            await using var services = new ServiceCollection().AddVisionFactory(data).BuildServiceProvider();
            await services.MigrateDatabaseAsync(CancellationToken.None);
            var clock = Stopwatch.StartNew();
            var shas = await SeedAsync(services);
            Console.WriteLine($"  seeded {Images:N0} image rows in {clock.Elapsed.TotalSeconds:0.0} s");

            var findings = shas.Where((_, i) => i % 200 == 1).Take(500).ToList();
            await Page(services, "grid: first page of 48, all images", new ImageQuery());
            await Page(services, "grid: last page of 48", new ImageQuery(Skip: Images - 48));
            await Page(services, "grid: class 7, page 100", new ImageQuery("class-7", Skip: 4_800));
            await Page(services, "grid: class 7, test split, page 10", new ImageQuery("class-7", Split.Test, Skip: 480));
            await Page(services, "grid: unlabelled (pool), page 100", new ImageQuery(Split: Split.Pool, Skip: 4_800));
            await Page(services, "grid: 500 images of a finding, page 5", new ImageQuery(Skip: 192, Images: findings));

            var relabel = shas.Take(Images - Pool).Where((_, i) => i % 10 is 4 or 5).Take(10_000).Select(s => new LabelChange(s, "class-3")).ToList();
            await Change(services, $"bulk relabel of {relabel.Count:N0} labelled images into one class -> version 2", async e => (await e.LabelAsync("big", relabel, CancellationToken.None)).Version.Number);
            var label = shas.Skip(Images - Pool).Select((s, i) => new LabelChange(s, $"class-{i % 10}")).ToList();
            await Change(services, $"bulk labelling of the {label.Count:N0} pool images into 10 classes -> version 3", async e => (await e.LabelAsync("big", label, CancellationToken.None)).Version.Number);
            await Change(services, "undo: restore version 2 -> version 4", async e => (await e.RestoreAsync("big", 2, CancellationToken.None)).Number);
            await Page(services, "grid after the changes: unlabelled (pool), first page", new ImageQuery(Split: Split.Pool));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    // Rows written as an import would leave them; the last Pool rows are unlabelled. Returns the sha256s in row order.
    private static async Task<List<string>> SeedAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        var version = new DatasetVersion
        {
            Number = 1,
            Classes = [.. Enumerable.Range(0, 10).Select(c => $"class-{c}")],
            Source = "synthetic",
            Split = SplitPlan.Default,
            Import = new ImportReport { FilesSeen = Images, Imported = Images },
        };
        db.Datasets.Add(new Dataset { Name = "big", Versions = [version] });
        await db.SaveChangesAsync();
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var shas = Enumerable.Range(0, Images).Select(n => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(n)))).ToList();
        for (var start = 0; start < Images; start += 10_000)
        {
            db.Images.AddRange(Enumerable.Range(start, 10_000).Select(n => new ImageItem
            {
                DatasetVersionId = version.Id,
                Sha256 = shas[n],
                SourcePath = n < Images - Pool ? $"class-{n % 10}/{n}.jpg" : $"camera/{n}.jpg",
                ClassIndex = n < Images - Pool ? n % 10 : ImageItem.NoClass,
                Width = 640,
                Height = 480,
                Bytes = 50_000,
                Format = "jpeg",
                Split = n >= Images - Pool ? Split.Pool : (n % 20) switch { < 14 => Split.Train, < 17 => Split.Validation, _ => Split.Test },
            }));
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
        }

        return shas;
    }

    private static async Task Page(IServiceProvider services, string what, ImageQuery query)
    {
        var times = new List<double>();
        var cpu = new List<double>();
        var total = 0;
        for (var i = 0; i < 6; i++)
        {
            await using var scope = services.CreateAsyncScope();
            var catalog = new DatasetCatalog(scope.ServiceProvider.GetRequiredService<VisionFactoryDb>());
            var before = Environment.CpuUsage.TotalTime;
            var clock = Stopwatch.StartNew();
            var page = await catalog.ListImagesAsync("big", null, query, CancellationToken.None);
            total = page.Total;
            if (i > 0)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
                cpu.Add((Environment.CpuUsage.TotalTime - before).TotalMilliseconds);
            }
        }

        times.Sort();
        cpu.Sort();

        // Wall time is what a person waits; the process's CPU time shows the work itself when other programs share the cores.
        Console.WriteLine($"  {what} (of {total:N0}): {times[times.Count / 2]:0.0} ms (process CPU {cpu[cpu.Count / 2]:0.0} ms)");
    }

    private static async Task Change(IServiceProvider services, string what, Func<DatasetEditor, Task<int>> change)
    {
        await using var scope = services.CreateAsyncScope();
        var editor = new DatasetEditor(scope.ServiceProvider.GetRequiredService<VisionFactoryDb>(), Caller.Operator("bench"));
        var before = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        var version = await change(editor);
        Console.WriteLine($"  {what}: {clock.Elapsed.TotalSeconds:0.00} s (process CPU {(Environment.CpuUsage.TotalTime - before).TotalSeconds:0.00} s; made version {version})");
    }
}
