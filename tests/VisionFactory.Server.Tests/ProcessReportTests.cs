using System.Text.Json.Nodes;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary><c>GET /api/admin/process</c> on a real <c>vf serve</c> process, under concurrent requests.</summary>
public sealed class ProcessReportTests
{
    [Fact]
    public async Task ConcurrentRequestsLeaveTheNativeHeapWithinItsArenaLimit()
    {
        using var data = new TempDirectory();
        using var vf = await VfProcess.StartAsync("process", data.Combine("data"), null, "web");

        // Every new thread that allocates gets its own malloc arena, up to glibc's eight per core unless limited: 64
        // requests at a time make the thread pool grow, and SQLite, sockets and JSON allocate on each thread.
        for (var round = 0; round < 5; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
            {
                using var response = await vf.Client.GetAsync(i % 2 == 0 ? "/api/datasets" : "/api/runs");
                Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }));
        }

        var report = await vf.GetAsync("/api/admin/process");
        Assert.Equal(vf.Pid, report["pid"]!.GetValue<int>());
        Assert.True(report["resident_bytes"]!.GetValue<long>() > 0, report.ToJsonString());
        Assert.True(report["threads"]!.GetValue<int>() > 0, report.ToJsonString());
        Assert.True(report["handles"]!.GetValue<int>() > 0, report.ToJsonString());
        var heap = report["native_heap"] as JsonObject;
        Assert.NotNull(heap);
        var arenas = heap["arenas"]!.GetValue<int>();
        var limit = report["native_arena_limit"]!.GetValue<int>();
        var before = report["native_arenas_before_limit"]!.GetValue<int>();
        Assert.True(arenas <= Math.Max(limit, before), $"{arenas} malloc arenas, limit {limit}, {before} before it was set: {report.ToJsonString()}");
    }
}
