using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Runs;
using VisionFactory.Factory.Runs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Tests;

/// <summary>What the lease tests share: a queued run to take, and a worker's leases on the same database and clock.</summary>
internal static class LeaseTestRuns
{
    public static async Task<string> AddQueuedAsync(IDbContextFactory<VisionFactoryDb> contexts)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var run = new TrainingRun { Id = TrainingRun.NewId(), DatasetName = "none", Spec = new TrainingSpec(), State = RunState.Queued };
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        return run.Id;
    }

    public static RunLeases Leases(IDbContextFactory<VisionFactoryDb> contexts, TimeSpan lease, string worker, TimeProvider clock) =>
        new(contexts, new FactoryOptions { LeaseDuration = lease, WorkerName = worker }, clock);
}
