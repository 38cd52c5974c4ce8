using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using VisionFactory.Datasets.Editing;
using VisionFactory.Domain.Users;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Server.Security;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// Pipeline starts and dataset deletions are audited by the services every door goes through (the REST API, the web
/// UI's pages, the CLI), once, with the caller's name and address. The web UI's pages call the services in a scope
/// whose caller is the page's user and the browser's address, as <see cref="As"/> does here.
/// </summary>
public sealed class AuditAtEveryDoorTests : IAsyncDisposable
{
    // The test camera listens on loopback, which the camera guard refuses unless allowed.
    private readonly ServerFactory factory = new() { Settings = { ["Pipelines:CameraAllowedNetworks:0"] = "127.0.0.0/8" } };
    private readonly TinyImageFolder images = TinyImageFolder.Create(imagesPerClass: 4);

    [Fact]
    public async Task APipelineStartedOrRestartedThroughTheServiceIsAuditedWithTheCallersNameAndAddress()
    {
        await using var camera = await MjpegTestServer.StartAsync([SyntheticImages.Encode(0, 0, 64, SKEncodedImageFormat.Jpeg)], fps: 5);
        using var admin = factory.CreateClient();
        await SaveLobbyAsync(admin, camera.StreamUrl);

        await using (var page = As("maker", Role.Editor, "198.51.100.7"))
        {
            var pipelines = page.ServiceProvider.GetRequiredService<PipelineService>();
            await pipelines.StartAsync("lobby", null, CancellationToken.None);
            await pipelines.RestartAsync("lobby", CancellationToken.None);
            await pipelines.StopAsync("lobby");
        }

        var starts = await StartsOfAsync(admin, "lobby");
        Assert.Equal(2, starts.Count);
        Assert.All(starts, e => Assert.Equal("maker", (string?)e["actor"]));
        Assert.All(starts, e => Assert.Equal("198.51.100.7", (string?)e["address"]));
        Assert.Equal(new string?[] { "restart", null }, starts.Select(e => (string?)e["detail"]).ToArray());
    }

    [Fact]
    public async Task APipelineStartedThroughTheApiIsAuditedOnceWithTheKeysUser()
    {
        await using var camera = await MjpegTestServer.StartAsync([SyntheticImages.Encode(0, 0, 64, SKEncodedImageFormat.Jpeg)], fps: 5);
        using var admin = factory.CreateClient();
        await SaveLobbyAsync(admin, camera.StreamUrl);

        (await admin.PostAsync("/api/pipelines/lobby/start?version=1", null)).EnsureSuccessStatusCode();
        (await admin.PostAsync("/api/pipelines/lobby/stop", null)).EnsureSuccessStatusCode();

        var start = Assert.Single(await StartsOfAsync(admin, "lobby"));
        Assert.Equal(AdminKey.UserName, (string?)start["actor"]);
        Assert.Equal("version 1", (string?)start["detail"]);
    }

    [Fact]
    public async Task ADatasetDeletedThroughTheServiceIsAuditedWithTheCallersNameAndAddress()
    {
        using var admin = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/datasets/doomed/imports", Json.Body(new { path = images.Root }))).StatusCode);

        await using (var page = As("maker", Role.Editor, "198.51.100.8"))
        {
            await page.ServiceProvider.GetRequiredService<DatasetEditor>().DeleteDatasetAsync("doomed", CancellationToken.None);
        }

        var log = (await Json.ReadAsync(await admin.GetAsync("/api/audit?limit=100"))).AsArray();
        var deleted = Assert.Single(log, e => (string?)e!["action"] == "dataset_deleted");
        Assert.Equal("doomed", (string?)deleted!["target"]);
        Assert.Equal("maker", (string?)deleted["actor"]);
        Assert.Equal("198.51.100.8", (string?)deleted["address"]);
    }

    private static async Task SaveLobbyAsync(HttpClient admin, Uri camera)
    {
        var lobby = PipelineDefinitionReader.ReadJson($$$"""
            {"name": "lobby", "steps": [{"component": "mjpeg_camera", "settings": {"url": "{{{camera}}}"}}, {"component": "results_store"}]}
            """);
        var saved = await admin.PostAsync("/api/pipelines", new StringContent(PipelineDefinitionReader.ToJson(lobby), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
    }

    private static async Task<List<System.Text.Json.Nodes.JsonNode>> StartsOfAsync(HttpClient admin, string pipeline) =>
        (await Json.ReadAsync(await admin.GetAsync("/api/audit?limit=100"))).AsArray()
            .Where(e => (string?)e!["action"] == "pipeline_started" && (string?)e["target"] == pipeline).Select(e => e!).ToList();

    private AsyncServiceScope As(string name, Role role, string address)
    {
        var scope = factory.Services.CreateAsyncScope();
        var user = new User { UserName = name, NormalizedUserName = User.Normalize(name), PasswordHash = "-", Role = role };
        var caller = scope.ServiceProvider.GetRequiredService<VisionFactory.Domain.Users.Caller>();
        caller.ActAs(Policies.PrincipalOf(user, "test"));
        caller.ConnectedFrom(address);
        return scope;
    }

    public async ValueTask DisposeAsync()
    {
        await factory.DisposeAsync();
        images.Dispose();
    }
}
