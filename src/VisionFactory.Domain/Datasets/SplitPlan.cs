namespace VisionFactory.Domain.Datasets;

/// <summary>How a version's images were divided: fractions and the seed that makes the division repeatable.</summary>
public sealed record SplitPlan(double Train, double Validation, double Test, int Seed)
{
    /// <summary>70 / 15 / 15, seed 42.</summary>
    public static SplitPlan Default { get; } = new(0.70, 0.15, 0.15, 42);

    /// <summary>Returns null when the fractions are usable, else what is wrong with them.</summary>
    public string? Validate()
    {
        if (Train <= 0 || Validation < 0 || Test < 0)
        {
            return "split fractions must be positive (train) or zero or more (validation, test)";
        }

        return Math.Abs(Train + Validation + Test - 1.0) > 1e-6
            ? $"split fractions must add up to 1, not {Train + Validation + Test:0.###}"
            : null;
    }
}
