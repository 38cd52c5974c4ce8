namespace VisionFactory.Datasets.Review;

/// <summary>
/// Confident learning (Northcutt, Jiang and Chuang, 2021; the method behind cleanlab's find_label_issues), from
/// out-of-sample predicted probabilities: each class's threshold is the mean probability the model gives that class
/// on images labelled with it (its self-confidence); an image counts towards the confident joint at (given label,
/// class j) for the most probable class j whose probability reaches j's threshold; images off the diagonal are label
/// issues, the class j their suggested label, ranked by the margin p(j) - p(given label).
/// </summary>
public static class ConfidentLearning
{
    /// <summary>The result: per-class thresholds, the confident joint, and the suspected images, most suspicious first.</summary>
    public sealed record Result(double[] Thresholds, int[,] Joint, List<Issue> Issues);

    /// <summary>An image whose given label the model confidently disagrees with.</summary>
    public sealed record Issue(int Index, int Given, int Suggested, double GivenProbability, double SuggestedProbability)
    {
        public double Margin => SuggestedProbability - GivenProbability;
    }

    public static Result Find(IReadOnlyList<double[]> probabilities, IReadOnlyList<int> labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(labels);
        var n = labels.Count;
        var thresholds = new double[classes];
        var counts = new int[classes];
        for (var i = 0; i < n; i++)
        {
            thresholds[labels[i]] += probabilities[i][labels[i]];
            counts[labels[i]]++;
        }

        for (var c = 0; c < classes; c++)
        {
            // A class with no images can never be confidently predicted.
            thresholds[c] = counts[c] == 0 ? double.PositiveInfinity : thresholds[c] / counts[c];
        }

        var joint = new int[classes, classes];
        var issues = new List<Issue>();
        for (var i = 0; i < n; i++)
        {
            var p = probabilities[i];
            var best = -1;
            for (var c = 0; c < classes; c++)
            {
                // Thresholds are compared with a little slack, as cleanlab does, so a tie with the mean still counts.
                if (p[c] >= thresholds[c] - 1e-6 && (best < 0 || p[c] > p[best]))
                {
                    best = c;
                }
            }

            if (best < 0)
            {
                continue;
            }

            joint[labels[i], best]++;
            if (best != labels[i])
            {
                issues.Add(new Issue(i, labels[i], best, p[labels[i]], p[best]));
            }
        }

        issues.Sort((a, b) => b.Margin.CompareTo(a.Margin) is var byMargin and not 0 ? byMargin : a.Index.CompareTo(b.Index));
        return new Result(thresholds, joint, issues);
    }
}
