using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Runs;
using VisionFactory.Factory.Runs;
using VisionFactory.Storage;
using VisionFactory.Storage.Database;
using VisionFactory.Testing;

namespace VisionFactory.Factory.Tests;

/// <summary>Leases, fencing and the reaper on a real SQLite database, with a clock the test moves.</summary>
public sealed class LeaseTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory temp = new("vf-leases");
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly FactoryOptions options = new() { LeaseDuration = TimeSpan.FromSeconds(10), WorkerName = "test:1:a" };
    private ServiceProvider services = null!;

    private IDbContextFactory<VisionFactoryDb> Contexts => services.GetRequiredService<IDbContextFactory<VisionFactoryDb>>();

    public async Task InitializeAsync()
    {
        services = new ServiceCollection().AddSingleton<TimeProvider>(clock).AddScoped(_ => Domain.Users.Caller.Operator()).AddVisionFactory(new DataDirectory(temp.Path), options).BuildServiceProvider();
        await services.MigrateDatabaseAsync(CancellationToken.None);
    }

    [Fact]
    public async Task OnlyOneWorkerTakesARunAndEachTakeGetsANewFencingToken()
    {
        var id = await AddRunAsync();
        var one = Leases("one");
        var two = Leases("two");

        var token = await one.TryAcquireAsync(id, CancellationToken.None);
        Assert.Equal(1, token);
        Assert.Null(await two.TryAcquireAsync(id, CancellationToken.None));

        // Once the holder vanishes, the reaper frees the run and the next worker gets token 2.
        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal([id], await two.ReapExpiredAsync(CancellationToken.None));
        Assert.Equal(2, await two.TryAcquireAsync(id, CancellationToken.None));
        var run = await GetAsync(id);
        Assert.Equal((RunState.Running, "two", 2, 1), (run.State, run.LeaseOwner, run.Attempts, run.Crashes));
    }

    [Fact]
    public async Task AWorkerWhoseLeaseWasTakenOverWritesNothing()
    {
        var id = await AddRunAsync();
        var one = Leases("one");
        var two = Leases("two");
        var stale = (await one.TryAcquireAsync(id, CancellationToken.None))!.Value;
        clock.Advance(TimeSpan.FromSeconds(11));
        await two.ReapExpiredAsync(CancellationToken.None);
        var fresh = (await two.TryAcquireAsync(id, CancellationToken.None))!.Value;

        var point = new MetricPoint { RunId = id, Kind = MetricKind.Epoch, Epoch = 1, FencingToken = stale };
        await Assert.ThrowsAsync<LeaseLostException>(() => one.WriteAsync(id, stale, db => db.Metrics.Add(point), CancellationToken.None));
        Assert.Null(await one.RenewAsync(id, stale, null, null, CancellationToken.None));
        Assert.False(await one.ReleaseAsync(id, stale, RunState.Succeeded, null, null, CancellationToken.None));

        await using var db = await Contexts.CreateDbContextAsync();
        Assert.Empty(db.Metrics);
        var run = await db.Runs.SingleAsync(r => r.Id == id);
        Assert.Equal((RunState.Running, "two", fresh), (run.State, run.LeaseOwner, run.FencingToken));
    }

    [Fact]
    public async Task HeartbeatsKeepTheLeaseAndReportACancelRequest()
    {
        var id = await AddRunAsync();
        var one = Leases("one");
        var token = (await one.TryAcquireAsync(id, CancellationToken.None))!.Value;
        for (var i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(6));
            Assert.False(await one.RenewAsync(id, token, null, null, CancellationToken.None));
            Assert.Empty(await one.ReapExpiredAsync(CancellationToken.None));
        }

        await using (var scope = services.CreateAsyncScope())
        {
            var cancelled = await scope.ServiceProvider.GetRequiredService<RunService>().CancelAsync(id, CancellationToken.None);
            Assert.Equal(RunState.Running, cancelled.State);
            Assert.True(cancelled.CancelRequested);
        }

        Assert.True(await one.RenewAsync(id, token, null, null, CancellationToken.None));
    }

    [Fact]
    public async Task ARunThatKillsItsWorkerThreeTimesIsFailedAsPoison()
    {
        var id = await AddRunAsync();
        for (var crash = 1; crash <= TrainingRun.MaxCrashes; crash++)
        {
            Assert.NotNull(await Leases($"worker-{crash}").TryAcquireAsync(id, CancellationToken.None));
            clock.Advance(TimeSpan.FromSeconds(11));
            var requeued = await Leases("reaper").ReapExpiredAsync(CancellationToken.None);
            Assert.Equal(crash < TrainingRun.MaxCrashes ? [id] : [], requeued);
        }

        var run = await GetAsync(id);
        Assert.Equal(RunState.Failed, run.State);
        Assert.StartsWith("poison: the run's worker died 3 times", run.Reason, StringComparison.Ordinal);
        Assert.Null(await Leases("late").TryAcquireAsync(id, CancellationToken.None));

        // A person can still decide to try again: resuming starts a fresh count.
        await using var scope = services.CreateAsyncScope();
        var resumed = await scope.ServiceProvider.GetRequiredService<RunService>().ResumeAsync(id, CancellationToken.None);
        Assert.Equal((RunState.Queued, 0), (resumed.State, resumed.Crashes));
    }

    [Fact]
    public async Task CancellingAQueuedRunEndsItAtOnceAndNoWorkerTakesIt()
    {
        var id = await AddRunAsync();
        await using (var scope = services.CreateAsyncScope())
        {
            var run = await scope.ServiceProvider.GetRequiredService<RunService>().CancelAsync(id, CancellationToken.None);
            Assert.Equal(RunState.Cancelled, run.State);
            Assert.NotNull(run.FinishedAt);
        }

        Assert.Null(await Leases("one").TryAcquireAsync(id, CancellationToken.None));
    }

    private RunLeases Leases(string worker) => LeaseTestRuns.Leases(Contexts, options.LeaseDuration, worker, clock);

    private Task<string> AddRunAsync() => LeaseTestRuns.AddQueuedAsync(Contexts);

    private async Task<TrainingRun> GetAsync(string id)
    {
        await using var db = await Contexts.CreateDbContextAsync();
        return await db.Runs.AsNoTracking().SingleAsync(r => r.Id == id);
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public void Dispose() => temp.Dispose();
}
