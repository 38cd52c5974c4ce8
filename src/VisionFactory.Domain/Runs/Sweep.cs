using VisionFactory.Domain.Models;

namespace VisionFactory.Domain.Runs;

/// <summary>A search over architectures and hyper-parameters: one run per combination, one leaderboard.</summary>
public sealed class Sweep
{
    public required string Id { get; init; }

    public required string DatasetName { get; init; }

    public required SweepSpec Spec { get; init; }

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    public static string NewId() => "s-" + Guid.NewGuid().ToString("N")[..8];
}

public enum SweepStrategy
{
    /// <summary>Every combination of the listed values.</summary>
    Grid,

    /// <summary><see cref="SweepSpec.Trials"/> combinations drawn at random (seeded) from the listed values.</summary>
    Random,
}

/// <summary>
/// The values to search over. Each list left empty keeps the base spec's value; the runs are the combinations.
/// </summary>
public sealed record SweepSpec
{
    public SweepStrategy Strategy { get; init; } = SweepStrategy.Grid;

    /// <summary>For a random search: how many combinations to draw.</summary>
    public int Trials { get; init; } = 4;

    /// <summary>The settings every run shares.</summary>
    public TrainingSpec Base { get; init; } = new();

    public IReadOnlyList<string> Architectures { get; init; } = [];

    public IReadOnlyList<double> LearningRates { get; init; } = [];

    public IReadOnlyList<int> BatchSizes { get; init; } = [];

    public IReadOnlyList<int> Epochs { get; init; } = [];

    public IReadOnlyList<OptimizerKind> Optimizers { get; init; } = [];

    public IReadOnlyList<double> WeightDecays { get; init; } = [];

    /// <summary>Most runs one sweep may make, so that a typo cannot queue ten thousand runs.</summary>
    public const int MaxRuns = 256;

    /// <summary>The runs' specs, in a stable order.</summary>
    public IReadOnlyList<TrainingSpec> Expand()
    {
        var combinations = new List<TrainingSpec> { Base };
        combinations = Multiply(combinations, Architectures, (s, v) => s with { Architecture = v });
        combinations = Multiply(combinations, LearningRates, (s, v) => s with { LearningRate = v });
        combinations = Multiply(combinations, BatchSizes, (s, v) => s with { BatchSize = v });
        combinations = Multiply(combinations, Epochs, (s, v) => s with { Epochs = v });
        combinations = Multiply(combinations, Optimizers, (s, v) => s with { Optimizer = v });
        combinations = Multiply(combinations, WeightDecays, (s, v) => s with { WeightDecay = v });
        if (Strategy == SweepStrategy.Grid || Trials >= combinations.Count)
        {
            return combinations;
        }

        // A seeded partial shuffle: the same sweep draws the same trials.
        var random = new Random(Base.Seed);
        var pool = combinations.ToArray();
        for (var i = 0; i < Trials; i++)
        {
            var j = random.Next(i, pool.Length);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }

        return pool[..Trials];
    }

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Trials is < 1 or > MaxRuns)
        {
            problems.Add($"trials must be between 1 and {MaxRuns}, not {Trials}");
        }

        var count = new[] { Architectures.Count, LearningRates.Count, BatchSizes.Count, Epochs.Count, Optimizers.Count, WeightDecays.Count }
            .Aggregate(1L, (product, n) => product * Math.Max(1, n));
        var runs = Strategy == SweepStrategy.Random ? Math.Min(count, Trials) : count;
        if (runs > MaxRuns)
        {
            problems.Add($"the sweep would make {runs} runs; at most {MaxRuns} are allowed: list fewer values or use a random search with --trials");
        }

        return problems;
    }

    private static List<TrainingSpec> Multiply<T>(List<TrainingSpec> specs, IReadOnlyList<T> values, Func<TrainingSpec, T, TrainingSpec> apply) =>
        values.Count == 0 ? specs : [.. specs.SelectMany(s => values.Select(v => apply(s, v)))];
}
