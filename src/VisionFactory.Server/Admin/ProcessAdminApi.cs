using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using VisionFactory.Learning.Native;
using VisionFactory.Server.Security;

namespace VisionFactory.Server.Admin;

/// <summary>
/// <c>GET /api/admin/process</c>: what this server process holds (memory by kind, threads, handles), so that an
/// administrator can see whether a long-running server stays flat and which memory grows when it does not.
/// </summary>
public static class ProcessAdminApi
{
    public static IEndpointRouteBuilder MapProcessAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/admin/process", Read).WithTags("Administration").RequireAuthorization(Policies.Admin)
            .WithName("GetProcessReport")
            .WithSummary("This server process's resident memory, managed heap, native (C) heap by arena, threads, open handles and uptime.");
        return app;
    }

    private static Ok<ProcessReport> Read()
    {
        using var process = Process.GetCurrentProcess();
        var gc = GC.GetGCMemoryInfo();
        return TypedResults.Ok(new ProcessReport(
            process.Id,
            (DateTime.Now - process.StartTime).TotalSeconds,
            process.WorkingSet64,
            gc.HeapSizeBytes,
            NativeHeap.Read(),
            NativeHeap.ArenaLimit,
            NativeHeap.ArenasBeforeLimit,
            process.Threads.Count,
            process.HandleCount));
    }
}

/// <summary>What a server process holds (<c>GET /api/admin/process</c>).</summary>
/// <param name="Pid">The process id.</param>
/// <param name="UptimeSeconds">Seconds since the process started.</param>
/// <param name="ResidentBytes">Resident memory (RSS).</param>
/// <param name="ManagedHeapBytes">The .NET heap's size after the last collection.</param>
/// <param name="NativeHeap">The C heap (libtorch's tensors, image buffers); null where the C library cannot say.</param>
/// <param name="NativeArenaLimit">The most arenas the C heap may make (one per core).</param>
/// <param name="NativeArenasBeforeLimit">Arenas made before the limit was set, at the process's start (kept); null where the person's own malloc settings stand.</param>
/// <param name="Threads">Threads of the process.</param>
/// <param name="Handles">Open file descriptors (files, sockets, pipes).</param>
public sealed record ProcessReport(
    int Pid,
    double UptimeSeconds,
    long ResidentBytes,
    long ManagedHeapBytes,
    NativeHeapStatistics? NativeHeap,
    int NativeArenaLimit,
    int? NativeArenasBeforeLimit,
    int Threads,
    int Handles);
