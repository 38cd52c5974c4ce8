using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Runs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Server.Tests;

/// <summary>The figures of the run page say what is happening: no training figures while a model is evaluated, no images/s for a head trained on cached features.</summary>
public sealed class RunPageFiguresTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public async Task ARunBeingEvaluatedSaysSoInsteadOfZeroPercent()
    {
        const int testImages = 17;
        var id = await StoreRunningRunAsync(new RunProgress("evaluating", 0, 0, 0, testImages, 0, 0, 0, 0, null));

        var html = await fixture.Factory.PageAsync($"/factory/runs/{id}");

        Assert.DoesNotContain("0.0 %", html, StringComparison.Ordinal);
        Assert.Matches(new Regex($"data-testid=\"run-position\"[^>]*>[^<]*evaluating {testImages} test images"), html);
        Assert.Matches(new Regex("data-testid=\"run-figures\"[^>]*>[^<]*evaluating"), html);
    }

    [Fact]
    public async Task AHeadOnlyRunDoesNotCallItsCachedFeatureRateImagesPerSecond()
    {
        Assert.Equal("head", (string?)fixture.FinishedRun["spec"]!["mode"]);
        Assert.Equal("training_head", (string?)fixture.FinishedRun["progress"]!["phase"]);

        var html = await fixture.Factory.PageAsync($"/factory/runs/{(string)fixture.FinishedRun["id"]!}");

        var speed = Regex.Match(html, "data-testid=\"run-speed\"[^>]*>([^<]*)<");
        Assert.True(speed.Success, "the run page shows no speed");
        Assert.DoesNotContain("img/s", speed.Groups[1].Value, StringComparison.Ordinal);
        Assert.Matches(new Regex("^[0-9.]+ cached features/s$"), speed.Groups[1].Value.Trim());
    }

    // A run a worker holds (its lease runs for an hour), with this latest progress.
    private async Task<string> StoreRunningRunAsync(RunProgress progress)
    {
        using var scope = fixture.Factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        var finished = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == (string)fixture.FinishedRun["id"]!);
        var run = new TrainingRun
        {
            Id = TrainingRun.NewId(),
            DatasetName = finished.DatasetName,
            DatasetVersionId = finished.DatasetVersionId,
            Spec = new TrainingSpec { Mode = TrainingMode.Head, Epochs = 3 },
            State = RunState.Running,
            LeaseOwner = "tests:1:evaluating",
            LeaseExpiresAt = DateTimeOffset.UtcNow.AddHours(1),
            HeartbeatAt = DateTimeOffset.UtcNow,
            FencingToken = 1,
            Attempts = 1,
            StartedAt = DateTimeOffset.UtcNow,
            Progress = progress,
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        return run.Id;
    }
}
