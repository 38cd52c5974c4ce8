using System.Text.Json;
using VisionFactory.Domain.Audit;
using VisionFactory.Storage;
using VisionFactory.Storage.Audit;
using VisionFactory.Storage.Database;

namespace VisionFactory.Cli.Tests;

/// <summary><c>vf admin audit</c> reads the audit log the server writes into the data directory's database.</summary>
public sealed class CliAdminTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task AuditPrintsTheLatestEventsNewestFirstAsTableOrJson()
    {
        var empty = await cli.RunJsonAsync("admin", "audit");
        Assert.Equal(0, empty.GetProperty("events").GetArrayLength());

        // Written as the server writes them: through the storage layer's AuditLog on the same database.
        var log = new AuditLog(new SqliteContexts(new DataDirectory(cli.DataPath)));
        await log.RecordAsync(AuditActions.SignInFailed, "mallory", "mallory", "wrong user name or password", "203.0.113.9", CancellationToken.None);
        await log.RecordAsync(AuditActions.RoleChanged, "admin", "henry", "role viewer -> editor", "127.0.0.1", CancellationToken.None);
        await log.RecordAsync(AuditActions.DatasetDeleted, "admin", "doomed", null, "127.0.0.1", CancellationToken.None);

        var latest = await cli.RunJsonAsync("admin", "audit", "--limit", "2");
        var events = latest.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal("dataset_deleted", events[0].GetProperty("action").GetString());
        Assert.Equal("role_changed", events[1].GetProperty("action").GetString());
        Assert.Equal("henry", events[1].GetProperty("target").GetString());
        Assert.Equal("role viewer -> editor", events[1].GetProperty("detail").GetString());

        var table = await cli.RunAsync("admin", "audit");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("sign_in_failed", table.Output, StringComparison.Ordinal);
        Assert.Contains("203.0.113.9", table.Output, StringComparison.Ordinal);
        Assert.True(
            table.Output.IndexOf("dataset_deleted", StringComparison.Ordinal) < table.Output.IndexOf("sign_in_failed", StringComparison.Ordinal),
            "the newest event is not printed first");
    }

    [Fact]
    public async Task APipelineRunFromTheCommandLineIsInTheAuditLog()
    {
        var file = Path.Combine(cli.Scratch("defs"), "door.json");
        File.WriteAllText(file, JsonSerializer.Serialize(new
        {
            name = "door",
            steps = new object[]
            {
                new { component = "folder_watch", settings = new { path = cli.Scratch("inbox"), poll_ms = 100 } },
                new { component = "file", settings = new { file_name = "door.csv", format = "csv" } },
            },
        }));

        var run = await cli.RunAsync("pipeline", "run", file, "--duration", "0.5");
        Assert.True(run.ExitCode == 0, run.Error);

        var events = (await cli.RunJsonAsync("admin", "audit")).GetProperty("events").EnumerateArray().ToList();
        var started = Assert.Single(events, e => e.GetProperty("action").GetString() == "pipeline_started");
        Assert.Equal("door", started.GetProperty("target").GetString());
        Assert.Equal("the local operator", started.GetProperty("actor").GetString());
    }

    [Fact]
    public async Task AuditRefusesALimitOutsideItsRangeWithExitCode2()
    {
        var result = await cli.RunAsync("admin", "audit", "--limit", "0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--limit must be 1 to", result.Error, StringComparison.Ordinal);
    }

    private sealed class SqliteContexts(DataDirectory data) : Microsoft.EntityFrameworkCore.IDbContextFactory<VisionFactoryDb>
    {
        public VisionFactoryDb CreateDbContext() => new(DatabaseSetup.SqliteOptions(data));
    }
}
