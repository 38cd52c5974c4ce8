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

/// <summary>
/// A worker stopped in the middle of a lease write (between the statement that locks the run's row and the commit) on
/// PostgreSQL: the server ends its idle session, so the lock it held does not keep the run from the other workers.
/// </summary>
public sealed class FrozenWriterTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncLifetime, IDisposable
{
    private readonly TempDirectory temp = new("vf-frozen-writer");
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private ServiceProvider services = null!;

    private IDbContextFactory<VisionFactoryDb> Contexts => services.GetRequiredService<IDbContextFactory<VisionFactoryDb>>();

    public async Task InitializeAsync()
    {
        var data = new DataDirectory(temp.Path, postgres.Server.CreateDatabase());
        services = new ServiceCollection().AddSingleton<TimeProvider>(clock).AddScoped(_ => Domain.Users.Caller.Operator())
            .AddVisionFactory(data, new FactoryOptions { LeaseDuration = TimeSpan.FromSeconds(10) }).BuildServiceProvider();
        await services.MigrateDatabaseAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AWriterStoppedInsideItsTransactionDoesNotBlockTheTakeover()
    {
        var id = await AddRunAsync();
        var one = Leases("one");
        var token = (await one.TryAcquireAsync(id, CancellationToken.None))!.Value;

        using var thaw = new SemaphoreSlim(0);
        var locked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var point = new MetricPoint { RunId = id, Kind = MetricKind.Epoch, Epoch = 1, FencingToken = token };
        var frozen = Task.Run(() => one.Write(id, token, db =>
        {
            // The run's row is locked by now; the worker stops here, as a SIGSTOP would stop it.
            locked.SetResult();
            thaw.Wait();
            db.Metrics.Add(point);
        }));
        await locked.Task;

        clock.Advance(TimeSpan.FromSeconds(11));
        var reap = Leases("two").ReapExpiredAsync(CancellationToken.None);
        var limit = DatabaseSetup.IdleInTransactionTimeout + TimeSpan.FromSeconds(15);
        Assert.Same(reap, await Task.WhenAny(reap, Task.Delay(limit)));
        Assert.Equal([id], await reap);
        Assert.Equal(2, await Leases("two").TryAcquireAsync(id, CancellationToken.None));

        // The woken worker's transaction is gone: its write fails and leaves nothing behind.
        thaw.Release();
        await Assert.ThrowsAnyAsync<Exception>(() => frozen);
        await using var db = await Contexts.CreateDbContextAsync();
        Assert.Empty(db.Metrics.Where(m => m.RunId == id));
        var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == id);
        Assert.Equal((RunState.Running, "two", 2L, 1), (run.State, run.LeaseOwner, run.FencingToken, run.Crashes));
    }

    [Fact]
    public void AConnectionStringThatSetsItsOwnTimeoutKeepsIt()
    {
        var own = DatabaseSetup.PostgresConnectionString("Host=db;Database=vf;Options=-c idle_in_transaction_session_timeout=60000");
        Assert.Contains("idle_in_transaction_session_timeout=60000", own, StringComparison.Ordinal);
        Assert.DoesNotContain("=10000", own, StringComparison.Ordinal);

        var added = DatabaseSetup.PostgresConnectionString("Host=db;Database=vf;Options=-c statement_timeout=5000");
        Assert.Contains("-c statement_timeout=5000 -c idle_in_transaction_session_timeout=10000", added, StringComparison.Ordinal);
    }

    private RunLeases Leases(string worker) => LeaseTestRuns.Leases(Contexts, TimeSpan.FromSeconds(10), worker, clock);

    private Task<string> AddRunAsync() => LeaseTestRuns.AddQueuedAsync(Contexts);

    public async Task DisposeAsync() => await services.DisposeAsync();

    public void Dispose() => temp.Dispose();
}
