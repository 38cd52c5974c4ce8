using System.Globalization;

namespace VisionFactory.Domain.Models;

/// <summary>One class's recall on the own test split beside its recall on the external test set.</summary>
/// <param name="Class">The class.</param>
/// <param name="OwnRecall">Recall on the own test split.</param>
/// <param name="OwnImages">The class's images in the own test split.</param>
/// <param name="ExternalRecall">Recall on the external test set.</param>
/// <param name="ExternalImages">The class's images in the external test set.</param>
/// <param name="PValue">One-sided exact test (Fisher) of "the class is found less often on the external set".</param>
public sealed record ExternalGapClass(string Class, double OwnRecall, int OwnImages, double ExternalRecall, int ExternalImages, double PValue);

/// <summary>
/// The third part of the shortcut detector, beside the stress test and the heat-map check: how much of a class the
/// model still finds on pictures from another source. A model that learned what only its own dataset's pictures of a
/// class have (a pasted drawing, a background, a watermark) scores on its own test split, which shares the shortcut,
/// and misses the class elsewhere; no change of its own images reveals a shortcut of shape and texture, but another
/// camera's pictures do.
/// </summary>
/// <param name="ExternalDataset">The external test set.</param>
/// <param name="Classes">Every class with images on both sides.</param>
/// <param name="Warnings">One sentence per class that falls sharply.</param>
public sealed record ExternalGapCheck(string ExternalDataset, IReadOnlyList<ExternalGapClass> Classes, IReadOnlyList<string> Warnings)
{
    /// <summary>
    /// The checks of <see cref="StressTestRule"/>, for two independent samples: a class warns when its recall falls by
    /// at least 20 points, ends below 80 %, and the fall is significant (one-sided Fisher exact test, p &lt;= 1 %).
    /// </summary>
    public static ExternalGapCheck Assess(EvaluationReport own, EvaluationReport external)
    {
        ArgumentNullException.ThrowIfNull(own);
        ArgumentNullException.ThrowIfNull(external);
        var classes = new List<ExternalGapClass>();
        var warnings = new List<string>();
        foreach (var mine in own.PerClass.Where(c => c.Support > 0))
        {
            if (external.PerClass.FirstOrDefault(c => c.Class == mine.Class && c.Support > 0) is not { } theirs)
            {
                continue;
            }

            var ownRight = (int)Math.Round(mine.Recall * mine.Support);
            var externalRight = (int)Math.Round(theirs.Recall * theirs.Support);
            var p = FisherLessOften(ownRight, mine.Support, externalRight, theirs.Support);
            classes.Add(new ExternalGapClass(mine.Class, mine.Recall, mine.Support, theirs.Recall, theirs.Support, p));
            if (mine.Recall - theirs.Recall >= StressTestRule.MinDrop && theirs.Recall < StressTestRule.RecallFloor && p <= StressTestRule.MaxPValue)
            {
                warnings.Add(
                    string.Create(CultureInfo.InvariantCulture, $"{mine.Class} recall falls from {mine.Recall:0%} on the own test split ({mine.Support} images) to {theirs.Recall:0%} on {external.Dataset} ({theirs.Support} images): ") +
                    $"the model may have learned something only this dataset's {mine.Class} pictures have (a shortcut), not what the class looks like elsewhere. " +
                    "Look at its heat maps on the external pictures, compare a head-only model of the same data, or add pictures of the class from other sources to the training set.");
            }
        }

        return new ExternalGapCheck(external.Dataset ?? "external", classes, warnings);
    }

    /// <summary>
    /// P(at most <paramref name="externalRight"/> right on the external side) given both sides' totals, when both share one
    /// recall: the hypergeometric tail of Fisher's exact test for a 2 x 2 table.
    /// </summary>
    public static double FisherLessOften(int ownRight, int ownImages, int externalRight, int externalImages)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ownRight);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ownRight, ownImages);
        ArgumentOutOfRangeException.ThrowIfNegative(externalRight);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(externalRight, externalImages);
        var total = ownImages + externalImages;
        var right = ownRight + externalRight;
        var logFactorial = new double[total + 1];
        for (var i = 1; i <= total; i++)
        {
            logFactorial[i] = logFactorial[i - 1] + Math.Log(i);
        }

        double LogChoose(int n, int k) => logFactorial[n] - logFactorial[k] - logFactorial[n - k];

        // External-side right counts k range over max(0, right - ownImages) .. min(right, externalImages).
        var denominator = LogChoose(total, right);
        double p = 0;
        for (var k = Math.Max(0, right - ownImages); k <= Math.Min(externalRight, Math.Min(right, externalImages)); k++)
        {
            p += Math.Exp(LogChoose(externalImages, k) + LogChoose(ownImages, right - k) - denominator);
        }

        return Math.Min(1, p);
    }
}
