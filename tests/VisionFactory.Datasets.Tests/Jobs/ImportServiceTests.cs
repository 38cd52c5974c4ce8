using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Datasets.Jobs;
using VisionFactory.Domain;
using VisionFactory.Domain.Users;
using VisionFactory.Imaging;
using VisionFactory.Storage;
using VisionFactory.Storage.Database;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests.Jobs;

/// <summary>
/// The import front desk: every door's request is checked in one place, bad input is a problem before any job is
/// recorded, and the host's settings (allowed folders, remote hosts, the search key) decide what a caller may import.
/// </summary>
public sealed class ImportServiceTests : IAsyncLifetime, IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly TempDirectory temp = new("vf-import-service");
    private ServiceProvider server = null!;
    private ServiceProvider commandLine = null!;

    private string Roots => temp.Combine("allowed");

    private ImportService Server => server.GetRequiredService<ImportService>();

    private ImportService CommandLine => commandLine.GetRequiredService<ImportService>();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Roots);
        server = await HostAsync("server", a => a.Roots = [Roots]);
        commandLine = await HostAsync("cli", ImportAccess.CommandLine);
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        await commandLine.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData("with space")]
    public async Task ABadDatasetNameIsRefusedBeforeAJobIsRecorded(string name)
    {
        SyntheticImages.WriteDataset(temp.Combine("allowed", "pets"), ["cat", "dog"], perClass: 2);

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            Server.StartAsync(name, new ImportRequest { Path = temp.Combine("allowed", "pets") }, Editor(), CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.Equal(0, await JobCountAsync(server));
    }

    [Fact]
    public async Task ARequestNamingNoSourceAsksForAPath()
    {
        var e = await Assert.ThrowsAsync<ProblemException>(() => Server.StartAsync("pets", new ImportRequest(), Editor(), CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.Contains("give 'path'", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, await JobCountAsync(server));
    }

    [Fact]
    public async Task AServerReadsOnlyInsideItsRootsWhileTheCommandLineReadsAnyLocalFolder()
    {
        var outside = temp.Combine("elsewhere", "pets");
        SyntheticImages.WriteDataset(outside, ["cat", "dog"], perClass: 3);

        var refused = await Assert.ThrowsAsync<ProblemException>(() =>
            Server.StartAsync("pets", new ImportRequest { Path = outside }, Editor(), CancellationToken.None));
        Assert.Equal(ProblemKind.Invalid, refused.Kind);
        Assert.Contains("Server:ImportRoots", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await JobCountAsync(server));

        using var import = await CommandLine.PrepareAsync("pets", new ImportRequest { Path = outside }, "cli:test", CancellationToken.None);
        var outcome = await import.RunAsync(null, CancellationToken.None);

        Assert.Null(outcome.Failure);
        Assert.Equal(1, outcome.Version?.Number);
        Assert.Equal(Path.GetFullPath(outside), outcome.Job.Source);
        Assert.Equal("cli:test", outcome.Job.StartedBy);
    }

    [Fact]
    public async Task AMissingFolderInsideTheRootsIsNotFound()
    {
        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            Server.StartAsync("pets", new ImportRequest { Path = temp.Combine("allowed", "nothing-here") }, Editor(), CancellationToken.None));

        Assert.Equal(ProblemKind.NotFound, e.Kind);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFolderInsideTheRootsIsImportedInTheBackgroundWithTheRequestedSplitSeed()
    {
        var folder = temp.Combine("allowed", "pets");
        SyntheticImages.WriteDataset(folder, ["cat", "dog"], perClass: 3);

        var started = await Server.StartAsync("pets", new ImportRequest { Path = folder, Seed = 7 }, Editor(), CancellationToken.None);
        var jobs = server.GetRequiredService<ImportJobs>();
        var done = await Eventually.ValueAsync(
            async () => await jobs.GetAsync(started.Id, CancellationToken.None),
            s => s.Finished,
            TimeSpan.FromSeconds(60),
            "the import job to finish");

        Assert.Equal(ImportJobs.Succeeded, done.State);
        Assert.Equal(6, done.Imported);
        await using var scope = server.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        var version = await db.DatasetVersions.SingleAsync(v => v.Number == done.Version);
        Assert.Equal(7, version.Split.Seed);
    }

    [Fact]
    public async Task SomeoneWithoutTheEditorRoleIsRefusedAndNothingIsRecorded()
    {
        var folder = temp.Combine("allowed", "pets");
        SyntheticImages.WriteDataset(folder, ["cat", "dog"], perClass: 2);
        var viewer = new Caller();
        viewer.ActAs("vera", Role.Viewer);

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            Server.StartAsync("pets", new ImportRequest { Path = folder }, viewer, CancellationToken.None));

        Assert.Equal(ProblemKind.Forbidden, e.Kind);
        Assert.Equal(0, await JobCountAsync(server));
    }

    [Theory]
    [InlineData("pages")]
    [InlineData("urls")]
    public async Task AddressesThatHoldNoAddressAreRefused(string kind)
    {
        var request = kind == "pages" ? new ImportRequest { Pages = ["", "  "] } : new ImportRequest { Urls = [""] };

        var e = await Assert.ThrowsAsync<ProblemException>(() => Server.StartAsync("pets", request, Editor(), CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.Contains("at least one address", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownFormatIsRefused()
    {
        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            Server.StartAsync("pets", new ImportRequest { Path = Roots, Format = "tiff-stack" }, Editor(), CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.Contains("tiff-stack", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASearchWithoutAKeySaysWhereThisHostSetsIt()
    {
        var onServer = await Assert.ThrowsAsync<ProblemException>(() =>
            Server.StartAsync("pets", new ImportRequest { Search = "tabby cats" }, Editor(), CancellationToken.None));
        var atCommandLine = await Assert.ThrowsAsync<ProblemException>(() =>
            CommandLine.PrepareAsync("pets", new ImportRequest { Search = "tabby cats" }, "cli:test", CancellationToken.None));

        Assert.Contains("an administrator sets the key in Collect:Search:Key", onServer.Message, StringComparison.Ordinal);
        Assert.Contains("environment variable Collect__Search__Key", atCommandLine.Message, StringComparison.Ordinal);
        Assert.Equal(0, await JobCountAsync(commandLine));
    }

    [Fact]
    public async Task AServerRefusesToPullFromAnInternalHostBeforeRecordingAJob()
    {
        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            Server.StartAsync("pets", new ImportRequest { Remote = "ftp://anonymous@127.0.0.1:21/photos" }, Editor(), CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.Contains("internal address", e.Message, StringComparison.Ordinal);
        Assert.Contains("Collect:Remote:AllowedRanges", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, await JobCountAsync(server));
    }

    [Fact]
    public async Task ARemoteAddressOfAnotherSchemeIsRefused()
    {
        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            Server.StartAsync("pets", new ImportRequest { Remote = "gopher://example.com/photos" }, Editor(), CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
    }

    [Theory]
    [InlineData(null, null, "give 'path'")]
    [InlineData(null, "ftp://stac.example.com", "not an http(s) STAC API address")]
    public async Task AGeoRequestNeedsASceneOrAStacAddress(string? path, string? stac, string expected)
    {
        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            Server.StartAsync("fields", new ImportRequest { Geo = new GeoImportJobRequest(Path: path, Stac: stac, Class: "field") }, Editor(), CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGeoRequestWithAnUnknownUnlabelledChoiceIsRefused()
    {
        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            Server.StartAsync("fields", new ImportRequest { Geo = new GeoImportJobRequest(Stac: "https://stac.example.com", Unlabelled: "guess") }, Editor(), CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.Contains("'unlabelled' is skip or keep, not 'guess'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGeoSceneOutsideTheRootsIsRefused()
    {
        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            Server.StartAsync("fields", new ImportRequest { Geo = new GeoImportJobRequest(Path: temp.Combine("elsewhere", "scene.tif"), Class: "field") }, Editor(), CancellationToken.None));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.Contains("Server:ImportRoots", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonNamesTheSourceByItsFieldsAndCannotWidenTheHostsReach()
    {
        var request = JsonSerializer.Deserialize<ImportRequest>(
            """{"urls": ["cat,https://example.com/a.jpg"], "seed": 3, "allow_ranges": ["10.0.0.0/8"], "source": "path", "geo": {"path": "/etc/x.tif"}}""", Json)!;

        Assert.Equal(ImportSourceKind.Web, request.Kind);
        Assert.Equal(3, request.Seed);
        Assert.Null(request.AllowRanges);
        Assert.Null(request.Geo);
        Assert.Null(request.Source);
        Assert.Equal(ImportSourceKind.Remote, new ImportRequest { Remote = "sftp://a@b/c", Search = "cats", Path = "/x" }.Kind);
        Assert.Equal(ImportSourceKind.Search, new ImportRequest { Search = "cats", Path = "/x" }.Kind);
        Assert.Equal(ImportSourceKind.Search, new ImportRequest { Source = ImportSourceKind.Search }.Kind);
    }

    private static Caller Editor()
    {
        var caller = new Caller();
        caller.ActAs("eddie", Role.Editor);
        return caller;
    }

    private static async Task<int> JobCountAsync(ServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<VisionFactoryDb>().ImportJobs.CountAsync();
    }

    private async Task<ServiceProvider> HostAsync(string name, Action<ImportAccess> access)
    {
        var data = new DataDirectory(temp.Combine(name));
        var services = new ServiceCollection()
            .AddLogging()
            .AddVisionFactoryStorage(data)
            .AddVisionFactoryImaging(data.CachePath)
            .AddVisionFactoryDatasets()
            .Configure(access)
            .BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();
        await DatabaseSetup.MigrateAsync(scope.ServiceProvider.GetRequiredService<VisionFactoryDb>(), CancellationToken.None);
        return services;
    }
}
