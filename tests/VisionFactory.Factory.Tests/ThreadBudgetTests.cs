using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Runs;
using VisionFactory.Factory.Runs;
using VisionFactory.Storage;
using VisionFactory.Storage.Database;
using VisionFactory.Testing;

namespace VisionFactory.Factory.Tests;

/// <summary>A worker with a budget of 2 threads trains one 2-thread run alone, or two 1-thread runs at once.</summary>
public sealed class ThreadBudgetTests : IDisposable
{
    private readonly TempDirectory temp = new("vf-budget");

    [Fact]
    public async Task RunsShareTheWorkersThreadsWithoutExceedingTheBudget()
    {
        var data = temp.Combine("data");
        await Datasets.ImportAsync(temp, data, null, "tiny", perClass: 16, size: 32);
        await using var services = new ServiceCollection()
            .AddScoped(_ => Domain.Users.Caller.Operator())
            .AddVisionFactory(new DataDirectory(data), new FactoryOptions { ThreadBudget = 2 })
            .BuildServiceProvider();
        await services.MigrateDatabaseAsync(CancellationToken.None);

        // Runs long enough (about a second each here) that the two 1-thread runs overlap even when CI's other tests delay one of them.
        var spec = new TrainingSpec { Architecture = "small_cnn", Mode = TrainingMode.Finetune, Epochs = 10, ImageSize = 32, BatchSize = 4 };
        var wide = await EnqueueAsync(services, spec with { Threads = 2 });
        var narrow1 = await EnqueueAsync(services, spec with { Threads = 1, Seed = 1 });
        var narrow2 = await EnqueueAsync(services, spec with { Threads = 1, Seed = 2 });

        // Asked for in this order, as a worker's Hangfire threads would take them from the queue.
        var executions = new List<Task>();
        foreach (var id in (string[])[wide, narrow1, narrow2])
        {
            executions.Add(ExecuteAsync(services, id));
            await Task.Delay(50);
        }

        await Task.WhenAll(executions);

        await using var db = await services.GetRequiredService<IDbContextFactory<VisionFactoryDb>>().CreateDbContextAsync();
        var runs = await db.Runs.AsNoTracking().ToDictionaryAsync(r => r.Id);
        Assert.All(runs.Values, r => Assert.Equal(RunState.Succeeded, r.State));
        Assert.False(Overlap(runs[wide], runs[narrow1]), "the 2-thread run shared the budget with a 1-thread run");
        Assert.False(Overlap(runs[wide], runs[narrow2]), "the 2-thread run shared the budget with a 1-thread run");
        Assert.True(Overlap(runs[narrow1], runs[narrow2]), "the two 1-thread runs did not train at the same time");
    }

    private static bool Overlap(TrainingRun a, TrainingRun b) => a.StartedAt < b.FinishedAt && b.StartedAt < a.FinishedAt;

    private static async Task<string> EnqueueAsync(IServiceProvider services, TrainingSpec spec)
    {
        await using var scope = services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<RunService>().EnqueueAsync("tiny", spec, null, CancellationToken.None)).Id;
    }

    private static async Task ExecuteAsync(IServiceProvider services, string id)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<RunExecutor>().ExecuteAsync(id, CancellationToken.None);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        temp.Dispose();
    }
}
