namespace VisionFactory.Domain.Models.Metrics;

/// <summary>One point of a curve: <c>X</c> is the false-positive rate (ROC) or recall (PR), <c>Y</c> the true-positive rate or precision.</summary>
public sealed record CurvePoint(double X, double Y);

/// <summary>A ranking curve and the area under it; <see cref="Area"/> is null where it is undefined (no positives or no negatives).</summary>
public sealed record RankingCurve(double? Area, List<CurvePoint> Points);

/// <summary>
/// ROC and precision-recall curves of scores against binary truth (one class against the rest). Images with equal
/// scores are one threshold, so the curves do not depend on the order of ties.
/// </summary>
public static class RankingCurves
{
    /// <summary>The ROC curve from (0, 0) to (1, 1) and its area by the trapezoidal rule.</summary>
    public static RankingCurve Roc(IReadOnlyList<bool> positive, IReadOnlyList<double> scores)
    {
        var (tp, fp, positives, negatives) = Cumulative(positive, scores);
        if (positives == 0 || negatives == 0)
        {
            return new RankingCurve(null, []);
        }

        var points = new List<CurvePoint>(tp.Length + 1) { new(0, 0) };
        double area = 0;
        for (var i = 0; i < tp.Length; i++)
        {
            var x = (double)fp[i] / negatives;
            var y = (double)tp[i] / positives;
            var previous = points[^1];
            area += (x - previous.X) * (y + previous.Y) / 2;
            points.Add(new CurvePoint(x, y));
        }

        return new RankingCurve(area, points);
    }

    /// <summary>
    /// The precision-recall curve (recall rising) and its average precision, the sum over thresholds of the recall
    /// gained times the precision there (no interpolation, as scikit-learn's <c>average_precision_score</c>).
    /// </summary>
    public static RankingCurve PrecisionRecall(IReadOnlyList<bool> positive, IReadOnlyList<double> scores)
    {
        var (tp, fp, positives, _) = Cumulative(positive, scores);
        if (positives == 0)
        {
            return new RankingCurve(null, []);
        }

        var points = new List<CurvePoint>(tp.Length + 1) { new(0, 1) };
        double area = 0;
        double lastRecall = 0;
        for (var i = 0; i < tp.Length; i++)
        {
            var recall = (double)tp[i] / positives;
            var precision = (double)tp[i] / (tp[i] + fp[i]);
            area += (recall - lastRecall) * precision;
            lastRecall = recall;
            points.Add(new CurvePoint(recall, precision));
        }

        return new RankingCurve(area, points);
    }

    /// <summary>At most <paramref name="maxPoints"/> points of the curve, evenly spread along it, first and last kept.</summary>
    public static List<CurvePoint> Thin(IReadOnlyList<CurvePoint> points, int maxPoints)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 2);
        if (points.Count <= maxPoints)
        {
            return [.. points];
        }

        var step = (points.Count - 1) / (double)(maxPoints - 1);
        return [.. Enumerable.Range(0, maxPoints).Select(i => points[(int)Math.Round(i * step)])];
    }

    // True and false positives at each distinct score threshold, highest score first.
    private static (int[] Tp, int[] Fp, int Positives, int Negatives) Cumulative(IReadOnlyList<bool> positive, IReadOnlyList<double> scores)
    {
        ArgumentNullException.ThrowIfNull(positive);
        ArgumentNullException.ThrowIfNull(scores);
        if (positive.Count != scores.Count)
        {
            throw new ArgumentException($"{positive.Count} labels but {scores.Count} scores", nameof(scores));
        }

        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        var tp = new List<int>();
        var fp = new List<int>();
        int t = 0, f = 0;
        for (var n = 0; n < order.Length; n++)
        {
            if (positive[order[n]])
            {
                t++;
            }
            else
            {
                f++;
            }

            // A threshold ends where the next score differs (or at the last image).
            if (n == order.Length - 1 || scores[order[n + 1]] != scores[order[n]])
            {
                tp.Add(t);
                fp.Add(f);
            }
        }

        return ([.. tp], [.. fp], t, f);
    }
}
