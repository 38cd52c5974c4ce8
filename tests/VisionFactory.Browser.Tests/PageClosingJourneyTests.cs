using Npgsql;
using VisionFactory.Testing;

namespace VisionFactory.Browser.Tests;

/// <summary>Work a page starts stops when the page goes away: a closed tab leaves nothing running for nobody.</summary>
public sealed class PageClosingJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly TempDirectory temp = new("vf-browser-closing");

    [Fact]
    public async Task APagesQueryIsCancelledWhenTheBrowserLeavesThePage()
    {
        using var postgres = new PostgresServer();
        var database = postgres.CreateDatabase();
        using var server = await VfProcess.StartAsync("server", temp.Combine("data"), database, "web");
        var (context, page) = await browser.SignedInPageAsync(server.Client.BaseAddress!, 900);
        await using var _ = context;

        // The zoo page reads the architectures' figures once it is interactive; a lock held here makes that read wait.
        await using var holder = new NpgsqlConnection(database);
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("""LOCK TABLE "ArchitectureProfiles" IN ACCESS EXCLUSIVE MODE""", holder, transaction))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        await page.GotoAsync("/zoo");
        Assert.True(await WaitersBecomeAsync(holder, 1), "the zoo page's read never waited for the lock");

        // Leaving the page ends its circuit. Its read must stop now, although the lock is still held (the command's own
        // timeout, 30 s, would end it much later).
        await page.GotoAsync("about:blank");
        Assert.True(await WaitersBecomeAsync(holder, 0), $"the page's read still waits for the lock after the page was left:\n{server.Log}");
    }

    /// <summary>Whether the number of queries waiting for a lock on the server becomes <paramref name="count"/> within 10 s.</summary>
    private static async Task<bool> WaitersBecomeAsync(NpgsqlConnection holder, long count)
    {
        await using var waiting = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()", holder);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if ((long)(await waiting.ExecuteScalarAsync())! == count)
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    public void Dispose() => temp.Dispose();
}
