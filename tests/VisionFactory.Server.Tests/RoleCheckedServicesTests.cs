using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using VisionFactory.Datasets.Editing;
using VisionFactory.Datasets.Jobs;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Runs;
using VisionFactory.Domain.Users;
using VisionFactory.Factory.Evaluation;
using VisionFactory.Factory.Review;
using VisionFactory.Factory.Runs;
using VisionFactory.Factory.Zoo;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Server.Datasets;
using VisionFactory.Server.Security;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// The services behind every button a viewer must not press check the caller's role themselves: a page that forgot
/// to hide a button, or a handler called directly, still changes nothing. The web host fills the caller from the
/// signed-in user as it does for each request and each page.
/// </summary>
public sealed class RoleCheckedServicesTests : IAsyncDisposable
{
    // The test camera listens on loopback, which the camera guard refuses unless allowed.
    private readonly ServerFactory factory = new() { Settings = { ["Pipelines:CameraAllowedNetworks:0"] = "127.0.0.0/8" } };
    private readonly TinyImageFolder images = TinyImageFolder.Create();

    [Fact]
    public async Task AViewerIsRefusedByEveryServiceMethodBehindAUiActionAndNothingChanges()
    {
        await using var camera = await MjpegTestServer.StartAsync([SyntheticImages.Encode(0, 0, 64, SKEncodedImageFormat.Jpeg)], fps: 5);
        using var admin = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/datasets/colours/imports", Json.Body(new { path = images.Root }))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/datasets/others/imports", Json.Body(new { path = images.Root }))).StatusCode);
        var lobby = Definition(camera.StreamUrl);
        var saved = await admin.PostAsync("/api/pipelines", new StringContent(PipelineDefinitionReader.ToJson(lobby), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        string sha;
        await using (var reading = factory.Services.CreateAsyncScope())
        {
            sha = (await reading.ServiceProvider.GetRequiredService<VisionFactory.Datasets.Catalog.DatasetCatalog>().GetVersionAsync("colours", null, withItems: true, CancellationToken.None)).Items[0].Sha256;
        }

        var importJobs = factory.Services.GetRequiredService<ImportJobs>();
        var jobsBefore = (await importJobs.ListAsync(null, 100, CancellationToken.None)).Count;
        var slow = importJobs.Start("colours", "a slow source", async (_, _, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("not reached");
        }, startedBy: Caller("maker", Role.Editor));
        var usersBefore = (await Json.ReadAsync(await admin.GetAsync("/api/users"))).AsArray().Count;
        var key = await Json.ReadAsync(await admin.PostAsync("/api/keys", Json.Body(new { name = "the admin's" })));
        var keyId = Guid.Parse((string)key["api_key"]!["id"]!);

        await using var scope = As("watcher", Role.Viewer);
        var services = scope.ServiceProvider;
        var viewer = services.GetRequiredService<VisionFactory.Domain.Users.Caller>();
        var imported = false;
        var cleanedUp = false;
        var refusals = new (string Action, Func<Task> Call)[]
        {
            ("save a pipeline", () => services.GetRequiredService<PipelineService>().SaveAsync(lobby, CancellationToken.None)),
            ("start a pipeline", () => services.GetRequiredService<PipelineService>().StartAsync("lobby", null, CancellationToken.None)),
            ("stop a pipeline", () => services.GetRequiredService<PipelineService>().StopAsync("lobby")),
            ("restart a pipeline", () => services.GetRequiredService<PipelineService>().RestartAsync("lobby", CancellationToken.None)),
            ("start a training run", () => services.GetRequiredService<RunService>().EnqueueAsync("colours", new TrainingSpec(), null, CancellationToken.None)),
            ("cancel a run", () => services.GetRequiredService<RunService>().CancelAsync("r-00000000", CancellationToken.None)),
            ("resume a run", () => services.GetRequiredService<RunService>().ResumeAsync("r-00000000", CancellationToken.None)),
            ("start a sweep", () => services.GetRequiredService<SweepService>().StartAsync("colours", new SweepSpec(), CancellationToken.None)),
            ("set a dataset's external test set", () => services.GetRequiredService<ExternalTestSets>().SetAsync("colours", "others", CancellationToken.None)),
            ("clear a dataset's external test set", () => services.GetRequiredService<ExternalTestSets>().ClearAsync("colours", CancellationToken.None)),
            ("evaluate a model on its external test set", () => services.GetRequiredService<ExternalTestSets>().EvaluateAsync("m-00000000", CancellationToken.None)),
            ("import pretrained weights", () => services.GetRequiredService<ZooService>().ImportWeightsAsync("resnet18", images.Root, CancellationToken.None)),
            ("download pretrained weights", () => services.GetRequiredService<PretrainedWeightsService>().GetAsync("resnet18", "http://127.0.0.1:9/", null, CancellationToken.None)),
            ("import pretrained weights", () => services.GetRequiredService<PretrainedWeightsService>().ImportFolderAsync(images.Root, CancellationToken.None)),
            ("relabel images", () => services.GetRequiredService<DatasetEditor>().RelabelAsync("colours", [sha], "blue", CancellationToken.None)),
            ("relabel images", () => services.GetRequiredService<DatasetEditor>().RelabelEachAsync("colours", new Dictionary<string, string> { [sha] = "blue" }, CancellationToken.None)),
            ("move images between splits", () => services.GetRequiredService<DatasetEditor>().MoveSplitsAsync("colours", new Dictionary<string, Split> { [sha] = Split.Test }, "test", CancellationToken.None)),
            ("delete images", () => services.GetRequiredService<DatasetEditor>().DeleteImagesAsync("colours", [sha], CancellationToken.None)),
            ("delete a dataset", () => services.GetRequiredService<DatasetEditor>().DeleteDatasetAsync("colours", CancellationToken.None)),
            ("review a dataset", () => Task.FromResult(services.GetRequiredService<ReviewJobs>().Start(viewer, "colours", 1, new VisionFactory.Datasets.Review.ReviewOptions()))),
            ("import images into a dataset", () => Task.FromResult(importJobs.Start("colours", "a planted source", (_, _, _) =>
            {
                imported = true;
                throw new InvalidOperationException("an import a viewer started ran");
            }, () => cleanedUp = true, viewer))),
            ("cancel an import", () => importJobs.CancelAsync(slow.Id, viewer, CancellationToken.None)),
        };

        foreach (var (action, call) in refusals)
        {
            var refused = await Assert.ThrowsAsync<ProblemException>(call);
            Assert.True(refused.Kind == ProblemKind.Forbidden, $"'{action}' was not refused for its role: {refused.Kind}: {refused.Message}");
            Assert.Equal($"to {action} needs the editor role; watcher has the viewer role", refused.Message);
        }

        // Users and other people's keys are the administrator's: refused to a viewer and to an editor alike.
        await using var editorScope = As("maker", Role.Editor);
        foreach (var (who, accounts) in new[] { ("watcher has the viewer role", services.GetRequiredService<AccountService>()), ("maker has the editor role", editorScope.ServiceProvider.GetRequiredService<AccountService>()) })
        {
            var audited = new Security.Caller(who.Split(' ')[0], "127.0.0.1");
            var adminOnly = new (string Action, Func<Task> Call)[]
            {
                ("add a user", () => accounts.CreateAsync("intruder", "a long enough password", Role.Admin, audited, CancellationToken.None)),
                ("list the users", () => accounts.ListUsersAsync(CancellationToken.None)),
                ("change a user's role", () => accounts.SetRoleAsync(Guid.NewGuid(), Role.Admin, audited, CancellationToken.None)),
                ("disable or enable a user", () => accounts.SetDisabledAsync(Guid.NewGuid(), true, audited, CancellationToken.None)),
                ("delete a user", () => accounts.DeleteAsync(Guid.NewGuid(), audited, CancellationToken.None)),
                ("reset a user's password", () => accounts.ResetPasswordAsync(Guid.NewGuid(), "a long enough password", audited, CancellationToken.None)),
                ("revoke another user's API key", () => accounts.RevokeKeyAsync(keyId, null, audited, CancellationToken.None)),
            };
            foreach (var (action, call) in adminOnly)
            {
                var refused = await Assert.ThrowsAsync<ProblemException>(call);
                Assert.Equal(ProblemKind.Forbidden, refused.Kind);
                Assert.Equal($"to {action} needs the admin role; {who}", refused.Message);
            }
        }

        // Nothing changed: the dataset keeps its one version, no run or external test set, the pipeline one version and stopped.
        Assert.Single(await services.GetRequiredService<VisionFactory.Datasets.Catalog.DatasetCatalog>().ListVersionsAsync("colours", CancellationToken.None));
        Assert.Empty(await services.GetRequiredService<RunService>().ListAsync(null, null, 0, 10, CancellationToken.None));
        Assert.Null((await services.GetRequiredService<ExternalTestSets>().GetAsync("colours", CancellationToken.None)).ExternalTestSet);
        Assert.Equal([1], await services.GetRequiredService<PipelineService>().VersionsAsync("lobby", CancellationToken.None));
        Assert.False(services.GetRequiredService<PipelineHost>().IsRunning("lobby"));
        Assert.Null(services.GetRequiredService<ReviewJobs>().Get("colours"));
        Assert.False(imported);
        Assert.True(cleanedUp, "the refused import's staged files were not cleaned up");
        Assert.Equal(jobsBefore + 1, (await importJobs.ListAsync(null, 100, CancellationToken.None)).Count);
        var stillRunning = await importJobs.GetAsync(slow.Id, CancellationToken.None);
        Assert.False(stillRunning.Finished, $"the slow import ended: {stillRunning.State}");
        Assert.False(stillRunning.CancelRequested);
        Assert.Equal(usersBefore, (await Json.ReadAsync(await admin.GetAsync("/api/users"))).AsArray().Count);
        Assert.Contains((await Json.ReadAsync(await admin.GetAsync("/api/keys"))).AsArray(), k => (string?)k!["id"] == keyId.ToString() && k["revoked_at"] is null);

        // The same calls are the editor's to make: the check is the role, not a blanket refusal.
        Assert.True((await importJobs.CancelAsync(slow.Id, Caller("maker", Role.Editor), CancellationToken.None)).CancelRequested);
        var editor = editorScope.ServiceProvider.GetRequiredService<PipelineService>();
        await editor.StartAsync("lobby", null, CancellationToken.None);
        await Assert.ThrowsAsync<ProblemException>(() => services.GetRequiredService<PipelineService>().StopAsync("lobby"));
        Assert.True(services.GetRequiredService<PipelineHost>().IsRunning("lobby"));
        await editor.StopAsync("lobby");
    }

    [Fact]
    public async Task AScopeWhoseCallerWasNeverFilledIsRefused()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var nobody = await Assert.ThrowsAsync<ProblemException>(() => scope.ServiceProvider.GetRequiredService<PipelineService>().StartAsync("lobby", null, CancellationToken.None));
        Assert.Equal(ProblemKind.Forbidden, nobody.Kind);
        Assert.Equal("to start a pipeline needs the editor role; nobody is signed in", nobody.Message);
    }

    private static VisionFactory.Domain.Users.Caller Caller(string name, Role role)
    {
        var caller = new VisionFactory.Domain.Users.Caller();
        caller.ActAs(name, role);
        return caller;
    }

    private AsyncServiceScope As(string name, Role role)
    {
        var scope = factory.Services.CreateAsyncScope();
        var user = new User { UserName = name, NormalizedUserName = User.Normalize(name), PasswordHash = "-", Role = role };
        scope.ServiceProvider.GetRequiredService<VisionFactory.Domain.Users.Caller>().ActAs(Policies.PrincipalOf(user, "test"));
        return scope;
    }

    private static PipelineDefinition Definition(Uri camera) => PipelineDefinitionReader.ReadJson($$$"""
        {"name": "lobby", "steps": [{"component": "mjpeg_camera", "settings": {"url": "{{{camera}}}"}}, {"component": "results_store"}]}
        """);

    public async ValueTask DisposeAsync()
    {
        await factory.DisposeAsync();
        images.Dispose();
    }
}
