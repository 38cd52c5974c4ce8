namespace VisionFactory.Domain.Datasets;

/// <summary>
/// Divides images into train / validation / test per class, so every split has each class in the planned
/// proportion. The result depends only on the seed and the images' keys, never on the order they arrived in.
/// </summary>
public static class StratifiedSplitter
{
    /// <summary>Returns the split of each key; <paramref name="items"/> pairs a stable key with its class.</summary>
    public static Dictionary<string, Split> Assign(IEnumerable<(string Key, int ClassIndex)> items, SplitPlan plan)
    {
        var result = new Dictionary<string, Split>(StringComparer.Ordinal);
        foreach (var group in items.GroupBy(i => i.ClassIndex).OrderBy(g => g.Key))
        {
            var keys = group.Select(i => i.Key).Order(StringComparer.Ordinal).ToArray();
            // Not HashCode.Combine: it is seeded randomly per process, and a split must be the same in every process.
            new Random(unchecked((plan.Seed * 7919) + group.Key)).Shuffle(keys);
            var (train, validation) = Counts(keys.Length, plan);
            for (var i = 0; i < keys.Length; i++)
            {
                result[keys[i]] = i < train ? Split.Train : i < train + validation ? Split.Validation : Split.Test;
            }
        }

        return result;
    }

    // Rounded counts, but a class with three or more images always gets one validation and one test image
    // when the plan asks for those splits at all, so no class is invisible to evaluation.
    internal static (int Train, int Validation) Counts(int n, SplitPlan plan)
    {
        var validation = (int)Math.Round(n * plan.Validation, MidpointRounding.AwayFromZero);
        var test = (int)Math.Round(n * plan.Test, MidpointRounding.AwayFromZero);
        if (n >= 3)
        {
            validation = plan.Validation > 0 ? Math.Max(1, validation) : 0;
            test = plan.Test > 0 ? Math.Max(1, test) : 0;
        }

        var train = Math.Max(n - validation - test, Math.Min(n, 1));
        validation = Math.Min(validation, n - train);
        return (train, validation);
    }
}
