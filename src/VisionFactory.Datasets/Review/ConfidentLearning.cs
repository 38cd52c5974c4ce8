namespace VisionFactory.Datasets.Review;

/// <summary>
/// Confident learning (Northcutt, Jiang and Chuang, 2021; the method behind cleanlab's find_label_issues), from
/// out-of-sample predicted probabilities: each class's threshold is the mean probability the model gives that class
/// on images labelled with it (its self-confidence); an image counts towards the confident joint at (given label,
/// class j) for the most probable class j whose probability reaches j's threshold; images off the diagonal are label
/// issues, the class j their suggested label, ranked by the margin p(j) - p(given label). A model that is nearly always
/// right sets thresholds close to 1, so an image it puts in another class with less confidence than that misses the
/// joint; those are returned apart (<see cref="Result.Disagreements"/>, cleanlab's predicted-not-given rule), ranked
/// the same way, as weaker suspects.
/// </summary>
public static class ConfidentLearning
{
    /// <summary>The result: per-class thresholds, the confident joint, and the suspected images, most suspicious first.</summary>
    public sealed record Result(double[] Thresholds, int[,] Joint, List<Issue> Issues, List<Issue> Disagreements);

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
        var disagreements = new List<Issue>();
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
                var predicted = Array.IndexOf(p, p.Max());
                if (predicted != labels[i])
                {
                    disagreements.Add(new Issue(i, labels[i], predicted, p[labels[i]], p[predicted]));
                }

                continue;
            }

            joint[labels[i], best]++;
            if (best != labels[i])
            {
                issues.Add(new Issue(i, labels[i], best, p[labels[i]], p[best]));
            }
        }

        Comparison<Issue> byMargin = (a, b) => b.Margin.CompareTo(a.Margin) is var m and not 0 ? m : a.Index.CompareTo(b.Index);
        issues.Sort(byMargin);
        disagreements.Sort(byMargin);
        return new Result(thresholds, joint, issues, disagreements);
    }
}
