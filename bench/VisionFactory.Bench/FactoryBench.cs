using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Runs;
using VisionFactory.Factory;
using VisionFactory.Factory.Runs;
using VisionFactory.Factory.Training;
using VisionFactory.Storage;
using VisionFactory.Storage.Database;

namespace VisionFactory.Bench;

/// <summary>
/// The factory's own costs, each beside the raw cost of the same work measured in the same run:
/// two runs sharing 2 cores (one thread each) against the same two runs one after the other (two threads each), and
/// a run through the queue's executor (lease heartbeats, live metrics, a checkpoint per epoch) against the same
/// training called directly with none of that.
/// </summary>
internal static class FactoryBench
{
    private static readonly TrainingSpec Run = new()
    {
        Architecture = "resnet18-imagenet",
        Mode = TrainingMode.Finetune,
        Epochs = 2,
        ImageSize = 112,
        BatchSize = 32,
    };

    public static async Task RunAsync(string masks, bool parallel = true)
    {
        Console.WriteLine();
        Console.WriteLine($"## Factory: {Run.Architecture} finetune, {Run.ImageSize} px, batch {Run.BatchSize}, {Run.Epochs} epochs on {masks}");
        var root = Path.Combine(Path.GetTempPath(), "vf-bench-factory-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var data = new DataDirectory(root);
            var options = new FactoryOptions { ThreadBudget = Environment.ProcessorCount };
            await using var services = new ServiceCollection().AddVisionFactory(data, options).BuildServiceProvider();
            await services.MigrateDatabaseAsync(CancellationToken.None);
            await using (var scope = services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<DatasetImporter>().ImportAsync("masks", masks, ImportOptions.Default, null, CancellationToken.None);
            }

            // Warm the pixel cache once so that every measured run reads the same cached pixels.
            await ExecuteAsync(services, Run with { Epochs = 1, Threads = Environment.ProcessorCount });

            if (parallel)
            {
                await ParallelAsync(services);
            }

            // Overhead: alternate direct and queued runs; compare wall time from call to stored model (evaluation on the
            // test split and the artifact included in both; checkpoint writes and heartbeats only in the queued one).
            const int Rounds = 3;
            var direct = new List<double>();
            var queued = new List<double>();
            for (var round = 0; round < Rounds; round++)
            {
                var clock = Stopwatch.StartNew();
                await DirectAsync(services, Run with { Threads = 2 });
                direct.Add(clock.Elapsed.TotalSeconds);
                clock.Restart();
                await ExecuteAsync(services, Run with { Threads = 2 });
                queued.Add(clock.Elapsed.TotalSeconds);
            }

            var d = Median(direct);
            var q = Median(queued);
            Console.WriteLine($"  wall seconds of a {Run.Epochs}-epoch run, median of {Rounds} alternating rounds: direct call {d:0.00} s [{string.Join(", ", direct.Select(x => x.ToString("0.00")))}], " +
                $"through the factory (queue, lease, heartbeat every {options.HeartbeatInterval.TotalSeconds:0.#} s, live metrics, {Run.Epochs} checkpoints) {q:0.00} s [{string.Join(", ", queued.Select(x => x.ToString("0.00")))}]; overhead {(q - d) / d:P2} (target < 2%)");
            Console.WriteLine($"  one checkpoint of {Run.Architecture} (weights, optimizer state, schedule, RNG position): {Interlocked.Read(ref lastCheckpointBytes) / 1e6:0.0} MB");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task ParallelAsync(IServiceProvider services)
    {
        var sequential = Stopwatch.StartNew();
        await ExecuteAsync(services, Run with { Threads = 2, Seed = 1 });
        await ExecuteAsync(services, Run with { Threads = 2, Seed = 2 });
        var sequentialSeconds = sequential.Elapsed.TotalSeconds;

        var parallel = Stopwatch.StartNew();
        await Task.WhenAll(ExecuteAsync(services, Run with { Threads = 1, Seed = 1 }), ExecuteAsync(services, Run with { Threads = 1, Seed = 2 }));
        var parallelSeconds = parallel.Elapsed.TotalSeconds;
        Console.WriteLine($"  two runs one after the other (2 threads each): {sequentialSeconds:0.0} s; the same two runs side by side (1 thread each, thread budget 2): {parallelSeconds:0.0} s; wall-time ratio side-by-side / one-after-the-other = {parallelSeconds / sequentialSeconds:0.00}");
    }

    private static long lastCheckpointBytes;

    /// <summary>Queues a run and executes it here, as a worker would.</summary>
    private static async Task ExecuteAsync(IServiceProvider services, TrainingSpec spec)
    {
        string id;
        await using (var scope = services.CreateAsyncScope())
        {
            id = (await scope.ServiceProvider.GetRequiredService<RunService>().EnqueueAsync("masks", spec, null, CancellationToken.None)).Id;
        }

        var data = services.GetRequiredService<DataDirectory>();
        using var watch = new FileSystemWatcher(data.Root) { IncludeSubdirectories = true, Filter = "*.ckpt", EnableRaisingEvents = true };
        watch.Renamed += (_, e) =>
        {
            try
            {
                Interlocked.Exchange(ref lastCheckpointBytes, new FileInfo(e.FullPath).Length);
            }
            catch (IOException)
            {
                // Already replaced by the next one.
            }
        };

        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<RunExecutor>().ExecuteAsync(id, CancellationToken.None);
        }

        await using var db = await services.GetRequiredService<IDbContextFactory<VisionFactoryDb>>().CreateDbContextAsync();
        var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == id);
        if (run.State != RunState.Succeeded)
        {
            throw new InvalidOperationException($"run {id} ended {run.State}: {run.Reason}");
        }

    }

    /// <summary>The same training called directly: no lease, no heartbeat, no metrics, no checkpoints.</summary>
    private static async Task DirectAsync(IServiceProvider services, TrainingSpec spec)
    {
        await using var scope = services.CreateAsyncScope();
        var version = await scope.ServiceProvider.GetRequiredService<VisionFactory.Datasets.Catalog.DatasetCatalog>()
            .GetVersionAsync("masks", null, withItems: false, CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<TrainingService>().TrainVersionAsync(version.Id, spec, null, null, CancellationToken.None);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
