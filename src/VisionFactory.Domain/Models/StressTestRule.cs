using System.Globalization;

namespace VisionFactory.Domain.Models;

/// <summary>One sampled image under one change: its class, and whether the model was right before and after.</summary>
public readonly record struct StressOutcome(int Truth, bool BaselineRight, bool ChangedRight);

/// <summary>
/// When a class's recall under a change that should not matter falls sharply enough to warn about. All three must hold:
/// <list type="bullet">
/// <item>it falls by at least <see cref="MinDrop"/> (20 points): a drop a deployment would feel, not noise of a point or two;</item>
/// <item>it ends below <see cref="RecallFloor"/> (80%): a class still recognised four times in five is not being missed
/// for a shortcut;</item>
/// <item>the fall is significant: the images right before and wrong after outnumber those wrong before and right after
/// beyond chance (one-sided exact sign test on the paired outcomes, McNemar's exact test, p &lt;= <see cref="MaxPValue"/>).
/// 1% rather than 5% because every change is tested for every class, so a few dozen tests run per model.</item>
/// </list>
/// With no images wrong before, the test needs 7 images lost (2^-7 &lt; 1%), so a class sampled with 8 images warns only
/// past a fall to 12%; that is why a class whose recall drops at first is sampled again with more images.
/// </summary>
public static class StressTestRule
{
    public const double MinDrop = 0.20;
    public const double RecallFloor = 0.80;
    public const double MaxPValue = 0.01;

    /// <summary>True when a class's first sample shows a fall worth confirming with more images.</summary>
    public static bool Suspicious(IReadOnlyList<StressOutcome> classOutcomes)
    {
        ArgumentNullException.ThrowIfNull(classOutcomes);
        if (classOutcomes.Count == 0)
        {
            return false;
        }

        var (before, after) = Recalls(classOutcomes);
        return before - after >= MinDrop && after < RecallFloor;
    }

    /// <summary>
    /// P(X &gt;= <paramref name="lost"/>) for X ~ Binomial(<paramref name="lost"/> + <paramref name="gained"/>, 1/2): the
    /// chance of losing at least that many images if the change did not matter.
    /// </summary>
    public static double SignTestPValue(int lost, int gained)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lost);
        ArgumentOutOfRangeException.ThrowIfNegative(gained);
        var n = lost + gained;
        double p = 0;
        var term = Math.Pow(0.5, n); // C(n, 0) / 2^n
        for (var k = 0; k <= n; k++)
        {
            if (k >= lost)
            {
                p += term;
            }

            term = term * (n - k) / (k + 1);
        }

        return Math.Min(1, p);
    }

    /// <summary>The model under one change: balanced accuracy, per-class recall before and after, and the warnings.</summary>
    public static StressTestChange Assess(StressChange change, IReadOnlyList<string> classes, IReadOnlyList<StressOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(outcomes);
        var recall = new Dictionary<string, double>(StringComparer.Ordinal);
        var baseline = new Dictionary<string, double>(StringComparer.Ordinal);
        var warnings = new List<string>();
        for (var c = 0; c < classes.Count; c++)
        {
            var mine = outcomes.Where(o => o.Truth == c).ToList();
            if (mine.Count == 0)
            {
                continue;
            }

            var (before, after) = Recalls(mine);
            baseline[classes[c]] = before;
            recall[classes[c]] = after;
            var lost = mine.Count(o => o.BaselineRight && !o.ChangedRight);
            var gained = mine.Count(o => !o.BaselineRight && o.ChangedRight);
            if (before - after >= MinDrop && after < RecallFloor && SignTestPValue(lost, gained) <= MaxPValue)
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{classes[c]} recall falls from {before:0%} to {after:0%} {change.When} ({mine.Count} test images): {change.Suspicion}."));
            }
        }

        return new StressTestChange(
            change.Name,
            change.Description,
            outcomes.Count,
            recall.Count == 0 ? double.NaN : recall.Values.Average(),
            baseline.Count == 0 ? double.NaN : baseline.Values.Average(),
            recall,
            baseline,
            warnings);
    }

    private static (double Before, double After) Recalls(IReadOnlyList<StressOutcome> classOutcomes) =>
        ((double)classOutcomes.Count(o => o.BaselineRight) / classOutcomes.Count, (double)classOutcomes.Count(o => o.ChangedRight) / classOutcomes.Count);
}
