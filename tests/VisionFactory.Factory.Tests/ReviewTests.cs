using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Review;
using VisionFactory.Factory.Review;
using VisionFactory.Storage;
using VisionFactory.Testing;

namespace VisionFactory.Factory.Tests;

/// <summary>The review with the real pretrained backbone: embeddings, cross-validation and confident learning.</summary>
public sealed class ReviewTests
{
    private static readonly string[] Classes = ["circles", "squares"];

    [Fact]
    public async Task FlippedLabelIsSuspectedAndMirroredCopyIsFoundByEmbedding()
    {
        using var temp = new TempDirectory("vf-review");
        var source = temp.Combine("src");
        ReviewImages.WriteDataset(source, Classes, perClass: 24);

        // A circle scene filed under squares, and a mirror image of a square scene (the hash differs, the content not).
        File.WriteAllBytes(Path.Combine(source, "squares", "flipped-label.png"), ReviewImages.Encode(0, 500));
        File.WriteAllBytes(Path.Combine(source, "squares", "mirrored.png"), Mirror(ReviewImages.Encode(1, 4)));
        await using var services = await StartAsync(temp);
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatasetImporter>().ImportAsync("shapes", source, ImportOptions.Default, null, CancellationToken.None);

        var reviewer = scope.ServiceProvider.GetRequiredService<DatasetReviewer>();
        var progress = new List<ReviewProgress>();
        var report = await reviewer.ReviewAsync("shapes", null, new ReviewOptions(), new Collect(progress), CancellationToken.None);

        var first = Assert.Single(report.SuspectedLabels);
        Assert.Equal("squares/flipped-label.png", first.Image.Path);
        Assert.Equal("circles", first.Suggested);
        Assert.True(first.SuggestedProbability > first.GivenProbability);
        Assert.NotNull(report.LabelCheck);
        Assert.True(report.LabelCheck.Accuracy > 0.9, $"cross-validated accuracy {report.LabelCheck.Accuracy}");

        var mirrored = Assert.Single(report.NearDuplicates);
        Assert.Equal(["squares/mirrored.png", "squares/squares-004.png"], mirrored.Images.Select(i => i.Path).Order());
        Assert.Equal("embedding", mirrored.Evidence);
        Assert.True(mirrored.MaxHashDistance > report.Settings.HashRadius);
        Assert.Empty(report.Quality);
        Assert.Contains(progress, p => p.Phase == "embedding images");
        Assert.Equal(1.0, progress[^1].Fraction, 6);

        // Embeddings are stored: a second review embeds nothing.
        var again = new List<ReviewProgress>();
        await reviewer.ReviewAsync("shapes", null, new ReviewOptions(), new Collect(again), CancellationToken.None);
        Assert.DoesNotContain(again, p => p.Phase == "embedding images" && p.Done < p.Total);
    }

    [Fact]
    public async Task CleanSetHasNoSuspectedLabelsOrDuplicatesAndAFixMakesANewVersion()
    {
        using var temp = new TempDirectory("vf-review");
        var source = temp.Combine("src");
        ReviewImages.WriteDataset(source, Classes, perClass: 24);
        await using var services = await StartAsync(temp);
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatasetImporter>().ImportAsync("clean", source, ImportOptions.Default, null, CancellationToken.None);
        var jobs = services.GetRequiredService<ReviewJobs>();

        jobs.Start(Domain.Users.Caller.Operator(), "clean", 1, new ReviewOptions());
        await jobs.WaitAsync("clean");

        Assert.Equal("succeeded", jobs.Get("clean")!.State);
        var report = await scope.ServiceProvider.GetRequiredService<DatasetReviewer>().LatestAsync("clean", null, CancellationToken.None);
        Assert.NotNull(report);
        Assert.Empty(report.SuspectedLabels);
        Assert.Empty(report.NearDuplicates);
        Assert.Empty(report.Quality);
        Assert.Equal(100, report.Health.Score);

        var fixes = scope.ServiceProvider.GetRequiredService<ReviewFixes>();
        var excluded = (await scope.ServiceProvider.GetRequiredService<VisionFactory.Datasets.Catalog.DatasetCatalog>()
            .GetVersionAsync("clean", 1, withItems: true, CancellationToken.None)).Items[0].Sha256;
        var version = await fixes.ApplyAsync("clean", ReviewFix.Exclude, [excluded], null, CancellationToken.None);
        Assert.Equal(2, version.Number);
        var problem = await Assert.ThrowsAsync<Domain.ProblemException>(() => fixes.ApplyAsync("clean", ReviewFix.Relabel, null, null, CancellationToken.None));
        Assert.Contains("has not been reviewed", problem.Message, StringComparison.Ordinal);
    }

    private static async Task<ServiceProvider> StartAsync(TempDirectory temp)
    {
        var services = new ServiceCollection().AddScoped(_ => Domain.Users.Caller.Operator()).AddVisionFactory(new DataDirectory(temp.Combine("data"))).BuildServiceProvider();
        await services.MigrateDatabaseAsync(CancellationToken.None);
        return services;
    }

    private static byte[] Mirror(byte[] png)
    {
        using var original = SKBitmap.Decode(png);
        using var mirrored = new SKBitmap(original.Width, original.Height);
        using (var canvas = new SKCanvas(mirrored))
        {
            canvas.Scale(-1, 1, original.Width / 2f, 0);
            canvas.DrawBitmap(original, 0, 0);
        }

        using var image = SKImage.FromBitmap(mirrored);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private sealed class Collect(List<ReviewProgress> list) : IProgress<ReviewProgress>
    {
        public void Report(ReviewProgress value)
        {
            lock (list)
            {
                list.Add(value);
            }
        }
    }
}
