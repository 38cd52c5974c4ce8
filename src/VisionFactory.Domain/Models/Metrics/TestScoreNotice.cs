using System.Globalization;

namespace VisionFactory.Domain.Models.Metrics;

/// <summary>
/// What a test score can and cannot promise: the one-sided 95 % upper bound on the error rate (exact, Clopper-Pearson),
/// and, when the test split is small or the score near perfect, the plain words that say so.
/// </summary>
/// <param name="Images">Test images the score was measured on.</param>
/// <param name="Errors">How many of them the model got wrong.</param>
/// <param name="ErrorRateUpperBound">With 95 % confidence, the error rate on images like these is at most this.</param>
/// <param name="AccuracyLowerBound">1 - <paramref name="ErrorRateUpperBound"/>.</param>
/// <param name="Small">True when the test split has fewer than <see cref="TestScoreNotice.SmallSplit"/> images.</param>
/// <param name="NearPerfect">True when the accuracy is at or above <see cref="TestScoreNotice.NearPerfectAccuracy"/>.</param>
/// <param name="HasExternalTestSet">True when the model was also measured on an external test set.</param>
/// <param name="Summary">One line for a leaderboard, e.g. "193 images, 0 errors: error rate ≤ 1.5 % (95 %)".</param>
/// <param name="Messages">What the figure can and cannot promise, one sentence each.</param>
public sealed record TestScoreNotice(
    int Images,
    int Errors,
    double ErrorRateUpperBound,
    double AccuracyLowerBound,
    bool Small,
    bool NearPerfect,
    bool HasExternalTestSet,
    string Summary,
    IReadOnlyList<string> Messages)
{
    /// <summary>Fewer test images than this is a small test split.</summary>
    public const int SmallSplit = 200;

    /// <summary>An accuracy at or above this is near perfect.</summary>
    public const double NearPerfectAccuracy = 0.98;

    /// <summary>The confidence of the bounds.</summary>
    public const double Confidence = 0.95;

    /// <summary>
    /// The notice for a test evaluation, or null when the split is neither small nor near perfect (the score then needs
    /// no warning). <paramref name="external"/> is the model's evaluation on an external test set, if any.
    /// </summary>
    public static TestScoreNotice? For(EvaluationReport report, EvaluationReport? external = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        var notice = Describe(report, external);
        return notice.Small || notice.NearPerfect ? notice : null;
    }

    /// <summary>The figures and words for a test evaluation, whether or not they call for a notice.</summary>
    public static TestScoreNotice Describe(EvaluationReport report, EvaluationReport? external = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        var images = report.ConfusionMatrix.Sum(row => row.Sum());
        var correct = report.ConfusionMatrix.Select((row, i) => i < row.Length ? row[i] : 0).Sum();
        if (images == 0)
        {
            images = report.Images;
            correct = (int)Math.Round(report.Accuracy * images);
        }

        return Describe(images, images - correct, external);
    }

    /// <summary>The figures and words for <paramref name="errors"/> mistakes on <paramref name="images"/> test images.</summary>
    public static TestScoreNotice Describe(int images, int errors, EvaluationReport? external = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(errors);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(errors, images);
        var upper = images == 0 ? 1 : ErrorRateUpperBoundOf(errors, images, Confidence);
        var accuracy = images == 0 ? 0 : (images - errors) / (double)images;
        var small = images < SmallSplit;
        var nearPerfect = images > 0 && accuracy >= NearPerfectAccuracy;
        var c = CultureInfo.InvariantCulture;
        var shortText = string.Create(c, $"{images} test image{(images == 1 ? "" : "s")}, {errors} error{(errors == 1 ? "" : "s")}: error rate ≤ {Percent(upper)} (95 %)");

        var messages = new List<string>
        {
            images == 0
                ? "No test images: the score promises nothing."
                : string.Create(c, $"{errors} error{(errors == 1 ? "" : "s")} on {images} test image{(images == 1 ? "" : "s")}: with 95 % confidence the error rate on images like these is at most {Percent(upper)} (accuracy at least {Percent(1 - upper)}).")
        };
        if (small && images > 0)
        {
            messages.Add(string.Create(c, $"{images} images is a small test split: each image moves the accuracy by {Percent(1.0 / images)}; add images to narrow the bound."));
        }

        if (nearPerfect)
        {
            messages.Add(external is null
                ? "A near-perfect score on test images from the same source as the training images does not show that the model works on other cameras, lighting or people: add an external test set (images from another source) to measure that."
                : string.Create(c, $"Test images from the same source promise nothing about other sources; on the external test set ({external.Dataset ?? "another dataset"}, {external.Images} images) the model scores {Percent(external.Accuracy)}."));
        }

        return new TestScoreNotice(images, errors, upper, 1 - upper, small, nearPerfect, external is not null, shortText, messages);
    }

    /// <summary>
    /// The exact (Clopper-Pearson) one-sided upper confidence bound on an error rate after <paramref name="errors"/>
    /// mistakes in <paramref name="images"/> trials: the rate p at which seeing at most that many mistakes has probability
    /// 1 - <paramref name="confidence"/>. With no mistakes it is 1 - (1 - confidence)^(1/n), about 3/n at 95 % (the rule of three).
    /// </summary>
    public static double ErrorRateUpperBoundOf(int errors, int images, double confidence = Confidence)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(images);
        ArgumentOutOfRangeException.ThrowIfNegative(errors);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(errors, images);
        if (confidence is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "confidence must lie between 0 and 1");
        }

        var alpha = 1 - confidence;
        if (errors == images)
        {
            return 1;
        }

        if (errors == 0)
        {
            return 1 - Math.Pow(alpha, 1.0 / images);
        }

        // P(X <= errors; n, p) falls as p rises: bisect for the p where it equals alpha.
        double low = errors / (double)images, high = 1;
        for (var i = 0; i < 200 && high - low > 1e-12; i++)
        {
            var mid = (low + high) / 2;
            if (BinomialCdf(errors, images, mid) > alpha)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return (low + high) / 2;
    }

    /// <summary>The Wilson score interval of a proportion (<paramref name="successes"/> of <paramref name="trials"/>) at the normal quantile <paramref name="z"/> (1.96: 95 %, two-sided).</summary>
    public static (double Low, double High) WilsonInterval(int successes, int trials, double z = 1.959963984540054)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(trials);
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        var p = successes / (double)trials;
        var z2 = z * z;
        var centre = (p + (z2 / (2 * trials))) / (1 + (z2 / trials));
        var half = z / (1 + (z2 / trials)) * Math.Sqrt((p * (1 - p) / trials) + (z2 / (4.0 * trials * trials)));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    // P(X <= k) for X ~ Binomial(n, p), summed in log space so that large n does not underflow.
    private static double BinomialCdf(int k, int n, double p)
    {
        if (p <= 0)
        {
            return 1;
        }

        if (p >= 1)
        {
            return k >= n ? 1 : 0;
        }

        var logRatio = Math.Log(p) - double.LogP1(-p);
        var logTerm = n * double.LogP1(-p);
        var logSum = logTerm;
        for (var i = 0; i < k; i++)
        {
            logTerm += Math.Log(n - i) - Math.Log(i + 1) + logRatio;
            var high = Math.Max(logSum, logTerm);
            logSum = high + Math.Log(Math.Exp(logSum - high) + Math.Exp(logTerm - high));
        }

        return Math.Min(1, Math.Exp(logSum));
    }

    private static string Percent(double value) =>
        (value * 100).ToString(value < 0.1 ? "0.0#" : "0.0", CultureInfo.InvariantCulture) + " %";
}
