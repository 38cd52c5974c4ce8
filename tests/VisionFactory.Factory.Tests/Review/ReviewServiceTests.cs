using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Domain.Users;
using VisionFactory.Factory.Review;
using VisionFactory.Storage;
using VisionFactory.Testing;

namespace VisionFactory.Factory.Tests.Review;

/// <summary>
/// The review front desk that the API, the Review page and the CLI share: it resolves the version, refuses bad requests
/// with the platform's problems, and runs, reports and fixes reviews (hashes only here, so no backbone is loaded).
/// </summary>
public sealed class ReviewServiceTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory temp = new("vf-review-service");
    private ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        services = new ServiceCollection().AddScoped(_ => Caller.Operator()).AddVisionFactory(new DataDirectory(temp.Combine("data"))).BuildServiceProvider();
        await services.MigrateDatabaseAsync(CancellationToken.None);
        var source = temp.Combine("src");
        ReviewImages.WriteDataset(source, ["circles", "squares"], perClass: 6);
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatasetImporter>().ImportAsync("shapes", source, ImportOptions.Default, null, CancellationToken.None);
    }

    public async Task DisposeAsync() => await services.DisposeAsync();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void HashesOnlyLeavesTheBackboneOut()
    {
        Assert.False(new ReviewRequest(HashesOnly: true).Options().Embeddings);
        Assert.False(new ReviewRequest(HashesOnly: true).Options().Labels);
        Assert.True(new ReviewRequest().Options().Embeddings);
        Assert.True(new ReviewRequest(HashesOnly: false).Options().Labels);
    }

    [Fact]
    public async Task AnUnknownDatasetOrVersionIsNotFoundAndNoReviewStarts()
    {
        await using var scope = services.CreateAsyncScope();
        var reviews = scope.ServiceProvider.GetRequiredService<ReviewService>();

        var dataset = await Assert.ThrowsAsync<ProblemException>(() => reviews.StartAsync("nothing", new ReviewRequest(), Caller.Operator(), CancellationToken.None));
        var version = await Assert.ThrowsAsync<ProblemException>(() => reviews.StartAsync("shapes", new ReviewRequest(Version: 9), Caller.Operator(), CancellationToken.None));

        Assert.Equal(ProblemKind.NotFound, dataset.Kind);
        Assert.Equal(ProblemKind.NotFound, version.Kind);
        Assert.Null(services.GetRequiredService<ReviewJobs>().Get("nothing"));
        Assert.Null(services.GetRequiredService<ReviewJobs>().Get("shapes"));
    }

    [Fact]
    public async Task AVersionNeverReviewedSaysHowToStartOne()
    {
        await using var scope = services.CreateAsyncScope();

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            scope.ServiceProvider.GetRequiredService<ReviewService>().GetAsync("shapes", null, CancellationToken.None));

        Assert.Equal(ProblemKind.NotFound, e.Kind);
        Assert.Contains("version 1 of 'shapes' has not been reviewed", e.Message, StringComparison.Ordinal);
        Assert.Contains("vf dataset review shapes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AViewerCannotStartAReview()
    {
        await using var scope = services.CreateAsyncScope();
        var viewer = new Caller();
        viewer.ActAs("vera", Role.Viewer);

        var e = await Assert.ThrowsAsync<ProblemException>(() =>
            scope.ServiceProvider.GetRequiredService<ReviewService>().StartAsync("shapes", new ReviewRequest(HashesOnly: true), viewer, CancellationToken.None));

        Assert.Equal(ProblemKind.Forbidden, e.Kind);
        Assert.Null(services.GetRequiredService<ReviewJobs>().Get("shapes"));
    }

    [Fact]
    public async Task AReviewStartedThroughTheServiceIsReportedAndItsFixMakesANewVersion()
    {
        await using var scope = services.CreateAsyncScope();
        var reviews = scope.ServiceProvider.GetRequiredService<ReviewService>();

        var started = await reviews.StartAsync("shapes", new ReviewRequest(HashesOnly: true), Caller.Operator(), CancellationToken.None);
        await services.GetRequiredService<ReviewJobs>().WaitAsync("shapes");
        var done = await reviews.GetAsync("shapes", started.Version, CancellationToken.None);

        Assert.Equal(1, started.Version);
        Assert.Equal("succeeded", done.State);
        Assert.NotNull(done.Report);
        Assert.Equal(12, done.Report.Images);
        Assert.Null(done.Report.LabelCheck);

        var wrong = await Assert.ThrowsAsync<ProblemException>(() =>
            reviews.ApplyFixAsync("shapes", new ReviewFixRequest("tidy-up"), CancellationToken.None));
        Assert.Equal(ProblemKind.Invalid, wrong.Kind);
        Assert.Contains("'tidy-up' is not a fix", wrong.Message, StringComparison.Ordinal);

        var image = (await scope.ServiceProvider.GetRequiredService<DatasetCatalog>().GetVersionAsync("shapes", 1, withItems: true, CancellationToken.None)).Items[0].Sha256;
        var (version, summary) = await reviews.ApplyFixAsync("shapes", new ReviewFixRequest("exclude", [image]), CancellationToken.None);
        Assert.Equal(2, version.Number);
        Assert.Equal(11, summary.Images);
    }
}
