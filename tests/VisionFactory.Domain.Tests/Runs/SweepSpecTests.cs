using VisionFactory.Domain.Models;
using VisionFactory.Domain.Runs;

namespace VisionFactory.Domain.Tests.Runs;

public sealed class SweepSpecTests
{
    private static readonly SweepSpec Grid = new()
    {
        Base = new TrainingSpec { Mode = TrainingMode.Finetune, ImageSize = 64 },
        Architectures = ["small_cnn", "resnet18"],
        LearningRates = [0.01, 0.1, 0.5],
        BatchSizes = [8, 16],
    };

    [Fact]
    public void AGridMakesEveryCombinationOnceAndKeepsTheSharedSettings()
    {
        var runs = Grid.Expand();

        Assert.Equal(12, runs.Count);
        Assert.Equal(12, runs.Select(r => (r.Architecture, r.LearningRate, r.BatchSize)).Distinct().Count());
        Assert.All(runs, r => Assert.Equal((TrainingMode.Finetune, 64), (r.Mode, r.ImageSize)));
        Assert.Empty(Grid.Validate());
    }

    [Fact]
    public void ARandomSearchDrawsDistinctCombinationsTheSameWayEveryTime()
    {
        var random = Grid with { Strategy = SweepStrategy.Random, Trials = 5 };

        var first = random.Expand();
        var second = random.Expand();

        Assert.Equal(5, first.Count);
        Assert.Equal(5, first.Distinct().Count());
        Assert.Equal(first, second);
        Assert.All(first, r => Assert.Contains(r, Grid.Expand()));
        Assert.NotEqual(first, (random with { Base = random.Base with { Seed = 7 } }).Expand().Select(r => r with { Seed = 42 }).ToList());
    }

    [Fact]
    public void ASweepTooLargeOrWithNoTrialsIsRefusedWithTheCount()
    {
        var huge = Grid with { Epochs = [.. Enumerable.Range(1, 20)], WeightDecays = [0, 1e-4] };
        Assert.Equal(["the sweep would make 480 runs; at most 256 are allowed: list fewer values or use a random search with --trials"], huge.Validate());
        Assert.Empty((huge with { Strategy = SweepStrategy.Random, Trials = 10 }).Validate());
        Assert.Equal(["trials must be between 1 and 256, not 0"], (Grid with { Trials = 0 }).Validate());
    }
}
