using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Runs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Server.Tests;

/// <summary>Runs already in a database keep loading as the request and settings types change.</summary>
public sealed class StoredRunSettingsTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    // A run's settings column exactly as the server wrote it in December 2026 (web JSON defaults: camelCase, enums as
    // numbers, the resolved values alongside), before the one request type of every door.
    private const string December2026Settings =
        """
        {"architecture":"small_cnn","mode":1,"epochs":2,"batchSize":8,"imageSize":32,"learningRate":null,"optimizer":1,"weightDecay":0.0002,"schedule":2,"warmupEpochs":1,"stepSize":null,"stepGamma":0.1,"horizontalFlip":false,"rotationDegrees":10,"cropMinScale":0.5,"colorJitter":0.2,"labelSmoothing":0.1,"classWeighting":1,"earlyStoppingPatience":3,"freezeBackboneEpochs":1,"headFirst":false,"backboneLearningRateScale":0.2,"finetunedWeightShare":0.75,"pretrained":false,"seed":7,"threads":1,"resolvedEpochs":2,"resolvedLearningRate":0.0001,"resolvedStepSize":1}
        """;

    [Fact]
    public async Task ARunStoredWithTodaysSettingsShapeLoadsWithEverySetting()
    {
        var id = await StoreCancelledRunAsync(December2026Settings);
        var expected = new TrainingSpec
        {
            Architecture = "small_cnn", Mode = TrainingMode.Finetune, Epochs = 2, BatchSize = 8, ImageSize = 32, Optimizer = OptimizerKind.AdamW,
            WeightDecay = 0.0002, Schedule = LearningRateScheduleKind.Cosine, WarmupEpochs = 1, HorizontalFlip = false, RotationDegrees = 10,
            CropMinScale = 0.5, ColorJitter = 0.2, LabelSmoothing = 0.1, ClassWeighting = ClassWeighting.Balanced, EarlyStoppingPatience = 3,
            FreezeBackboneEpochs = 1, HeadFirst = false, BackboneLearningRateScale = 0.2, FinetunedWeightShare = 0.75, Pretrained = false,
            Seed = 7, Threads = 1,
        };

        using (var scope = fixture.Factory.Services.CreateScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<VisionFactoryDb>().Runs.AsNoTracking().SingleAsync(r => r.Id == id);
            Assert.Equal(expected, stored.Spec);
        }

        using var client = fixture.Factory.CreateClient();
        var run = await Json.ReadAsync(await client.GetAsync($"/api/runs/{id}"));
        var spec = run["spec"]!;
        Assert.Equal("finetune", (string?)spec["mode"]);
        Assert.Equal("adam_w", (string?)spec["optimizer"]);
        Assert.Equal("cosine", (string?)spec["schedule"]);
        Assert.Equal("balanced", (string?)spec["class_weighting"]);
        Assert.Equal(3, (int)spec["early_stopping_patience"]!);
        Assert.Equal(0.75, (double)spec["finetuned_weight_share"]!);
        // A setting added since (gradient clipping) loads as its default: off, as these runs trained.
        Assert.Equal(0.0, (double)spec["max_gradient_norm"]!);

        var html = await fixture.Factory.PageAsync($"/factory/runs/{id}");
        Assert.Contains("small_cnn · finetune · 2 epochs", html, StringComparison.Ordinal);
        Assert.Contains("data-setting=\"early_stopping_patience\">early_stopping_patience <b>3</b>", html, StringComparison.Ordinal);
        Assert.Contains("data-setting=\"class_weighting\">class_weighting <b>balanced</b>", html, StringComparison.Ordinal);
    }

    private async Task<string> StoreCancelledRunAsync(string settingsJson)
    {
        using var scope = fixture.Factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        var finished = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == (string)fixture.FinishedRun["id"]!);
        var run = new TrainingRun
        {
            Id = TrainingRun.NewId(),
            DatasetName = finished.DatasetName,
            DatasetVersionId = finished.DatasetVersionId,
            Spec = new TrainingSpec(),
            State = RunState.Cancelled,
            Reason = "cancelled on request before it ran",
            FinishedAt = DateTimeOffset.UtcNow,
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync();

        // Written as text, as an older server left it, not through today's types.
        var id = run.Id;
        Assert.Equal(1, await db.Database.ExecuteSqlAsync($"UPDATE \"Runs\" SET \"Spec\" = {settingsJson} WHERE \"Id\" = {id}"));
        return id;
    }
}
