using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using VisionFactory.Datasets.Jobs;
using VisionFactory.Domain.Datasets;
using VisionFactory.Server.Datasets;
using VisionFactory.Storage.Database;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>Import jobs are recorded in the database: they outlive the host, can be cancelled, and leave nothing behind when they do not succeed.</summary>
public sealed class ImportJobDurabilityTests
{
    [Fact]
    public async Task AJobRunningWhenTheHostStopsShowsAsInterruptedAfterARestart()
    {
        var first = new ServerFactory { KeepData = true };
        Guid id;
        await using (first)
        {
            using var client = first.CreateClient();
            var jobs = first.Services.GetRequiredService<ImportJobs>();
            id = jobs.Start("durable", "a slow source", async (_, progress, ct) =>
            {
                progress.Report(new VisionFactory.Datasets.Import.ImportProgress(1, 10, 0, "red/1.png"));
                await Task.Delay(Timeout.Infinite, ct);
                throw new InvalidOperationException("not reached");
            }, startedBy: Tester()).Id;
            var running = await WaitForAsync(client, id, j => (int)j["done"]! == 1);
            Assert.Equal("running", (string?)running["state"]);
            Assert.Equal("tester", (string?)running["started_by"]);
        }

        await using var second = new ServerFactory { DataRoot = first.DataRoot };
        using var again = second.CreateClient();
        var job = await Json.ReadAsync(await again.GetAsync($"/api/import-jobs/{id}"));
        var listed = await Json.ReadAsync(await again.GetAsync("/api/import-jobs?dataset=durable"));

        Assert.Equal("interrupted", (string?)job["state"]);
        Assert.Contains("stopped before it ended; nothing was imported", (string?)job["error"], StringComparison.Ordinal);
        Assert.Equal(id.ToString(), (string?)Assert.Single(listed.AsArray())!["id"]);
        Assert.Contains("has already ended (interrupted)", (string?)(await Json.ProblemAsync(await again.PostAsync($"/api/import-jobs/{id}/cancel", null), 409))["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJobLeftRunningByAProcessThatDiedIsMarkedInterruptedWhenTheHostStarts()
    {
        var first = new ServerFactory { KeepData = true };
        var crashed = new ImportJob
        {
            Dataset = "crashed",
            Source = "/srv/photos",
            State = ImportJobState.Running,
            Owner = ImportJobRunner.OwnerOf(Environment.MachineName, DeadProcessId(), 1234),
            StartedAt = DateTimeOffset.UtcNow,
            HeartbeatAt = DateTimeOffset.UtcNow,
            Done = 40,
            Total = 100,
        };
        await using (first)
        {
            _ = first.Server;
            await using var scope = first.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
            db.ImportJobs.Add(crashed);
            await db.SaveChangesAsync();
        }

        await using var second = new ServerFactory { DataRoot = first.DataRoot };
        using var client = second.CreateClient();
        var job = await Json.ReadAsync(await client.GetAsync($"/api/import-jobs/{crashed.Id}"));

        Assert.Equal("interrupted", (string?)job["state"]);
        Assert.Equal(40, (int)job["done"]!);
        Assert.Contains("stopped before it ended", (string?)job["error"], StringComparison.Ordinal);
        Assert.Contains("start the import again", (string?)job["error"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancellingAnImportMidwayLeavesNoVersionAndNoBlobs()
    {
        var served = 0;
        using var site = new LocalWebServer("127.0.0.2", async context =>
        {
            // The first images come at once; the rest hang, so the import is cancelled while it downloads.
            var name = context.Request.Url!.AbsolutePath.Trim('/');
            if (Interlocked.Increment(ref served) > 3)
            {
                await Task.Delay(TimeSpan.FromSeconds(20));
            }

            var colour = name.StartsWith("red", StringComparison.Ordinal) ? SKColors.Red : SKColors.Blue;
            await context.Response.OutputStream.WriteAsync(TinyImageFolder.Image(colour, name[^5] - '0', SKEncodedImageFormat.Png));
        });
        await using var factory = new ServerFactory();
        factory.Settings["Collect:Web:AllowedRanges:0"] = "127.0.0.2/32";
        factory.Settings["Collect:Web:PerHostInterval"] = "00:00:00.001";
        using var client = factory.CreateClient();
        var urls = Enumerable.Range(0, 6).SelectMany(i => new[] { $"red,{site.Url($"red{i}.png")}", $"blue,{site.Url($"blue{i}.png")}" }).ToList();

        var started = await Json.ReadAsync(await client.PostAsync("/api/datasets/cancelled/import-jobs", Json.Body(new { urls })));
        var id = Guid.Parse((string)started["id"]!);
        await WaitForAsync(client, id, j => (int)j["done"]! >= 2);
        var blobsBefore = Blobs(factory);
        Assert.NotEmpty(blobsBefore);
        var cancel = await client.PostAsync($"/api/import-jobs/{id}/cancel", null);
        var done = await WaitForAsync(client, id, j => (bool)j["finished"]!);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.True((bool)(await Json.ReadAsync(cancel))["cancel_requested"]!);
        Assert.Equal("cancelled", (string?)done["state"]);
        Assert.Contains("nothing was imported", (string?)done["error"], StringComparison.Ordinal);
        Assert.Null(done["version"]);
        await Json.ProblemAsync(await client.GetAsync("/api/datasets/cancelled"), 404);
        Assert.Empty(Blobs(factory));
        await Json.ProblemAsync(await client.PostAsync($"/api/import-jobs/{Guid.NewGuid()}/cancel", null), 404);
    }

    private static string[] Blobs(ServerFactory factory)
    {
        var root = Path.Combine(factory.DataRoot, "blobs");
        return Directory.Exists(root) ? Directory.GetFiles(root, "*", SearchOption.AllDirectories) : [];
    }

    // An editor named "tester", as a signed-in user of the API or a page would start a job.
    private static VisionFactory.Domain.Users.Caller Tester()
    {
        var caller = new VisionFactory.Domain.Users.Caller();
        caller.ActAs("tester", VisionFactory.Domain.Users.Role.Editor);
        return caller;
    }

    private static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    private static Task<JsonNode> WaitForAsync(HttpClient client, Guid id, Func<JsonNode, bool> condition) => Eventually.ValueAsync(
        async () => await Json.ReadAsync(await client.GetAsync($"/api/import-jobs/{id}")),
        condition,
        TimeSpan.FromSeconds(30),
        $"import job {id} to reach the expected state");
}
