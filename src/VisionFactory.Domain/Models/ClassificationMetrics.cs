using VisionFactory.Domain.Models.Metrics;

namespace VisionFactory.Domain.Models;

/// <summary>
/// Every figure of an evaluation from predicted probabilities: accuracy, balanced accuracy, loss, per-class precision /
/// recall / F1, macro and weighted F1, the confusion matrix (counts and row-normalised), ROC and precision-recall
/// curves with their areas per class, calibration and top-k accuracy.
/// </summary>
public static class ClassificationMetrics
{
    /// <summary>Points kept per drawn curve.</summary>
    public const int CurvePoints = 101;

    private static readonly int[] TopKs = [2, 3, 5];

    /// <param name="truth">True class index per image.</param>
    /// <param name="probabilities">Per image, a probability per class (rows sum to 1).</param>
    /// <param name="classes">Class names in label order.</param>
    /// <param name="split">Which images these are, e.g. "test".</param>
    public static EvaluationReport Compute(
        IReadOnlyList<int> truth, IReadOnlyList<float[]> probabilities, IReadOnlyList<string> classes, string split)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(classes);
        if (truth.Count != probabilities.Count)
        {
            throw new ArgumentException($"{truth.Count} labels but {probabilities.Count} predictions", nameof(probabilities));
        }

        var k = classes.Count;
        var confusion = new int[k][];
        for (var i = 0; i < k; i++)
        {
            confusion[i] = new int[k];
        }

        double loss = 0;
        var correct = 0;
        var confidence = new double[truth.Count];
        var right = new bool[truth.Count];
        for (var n = 0; n < truth.Count; n++)
        {
            var p = probabilities[n];
            var predicted = ArgMax(p);
            confusion[truth[n]][predicted]++;
            correct += predicted == truth[n] ? 1 : 0;
            confidence[n] = p[predicted];
            right[n] = predicted == truth[n];

            // Clamped so that one confident mistake cannot make the mean loss infinite.
            loss -= Math.Log(Math.Max(p[truth[n]], 1e-12));
        }

        var perClass = new List<ClassMetrics>(k);
        var curves = new List<ClassCurves>(k);
        var rocAuc = new Dictionary<string, double?>(StringComparer.Ordinal);
        var averagePrecision = new Dictionary<string, double?>(StringComparer.Ordinal);
        for (var c = 0; c < k; c++)
        {
            var tp = confusion[c][c];
            var support = confusion[c].Sum();
            var predictedAs = confusion.Sum(row => row[c]);
            var precision = predictedAs == 0 ? 0 : (double)tp / predictedAs;
            var recall = support == 0 ? 0 : (double)tp / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);

            var positive = truth.Select(t => t == c).ToArray();
            var scores = probabilities.Select(p => (double)p[c]).ToArray();
            var roc = RankingCurves.Roc(positive, scores);
            var pr = RankingCurves.PrecisionRecall(positive, scores);
            rocAuc[classes[c]] = roc.Area;
            averagePrecision[classes[c]] = pr.Area;
            curves.Add(new ClassCurves(classes[c], RankingCurves.Thin(roc.Points, CurvePoints), RankingCurves.Thin(pr.Points, CurvePoints)));
            perClass.Add(new ClassMetrics(classes[c], precision, recall, f1, support, roc.Area, pr.Area));
        }

        var n0 = Math.Max(truth.Count, 1);
        var withImages = perClass.Where(c => c.Support > 0).ToList();
        var calibration = CalibrationReport.Compute(confidence, right);
        return new EvaluationReport
        {
            Split = split,
            Images = truth.Count,
            Accuracy = (double)correct / n0,
            Loss = loss / n0,
            MacroF1 = perClass.Count == 0 ? 0 : perClass.Average(c => c.F1),
            PerClass = perClass,
            ConfusionMatrix = confusion,
            Classes = [.. classes],
            BalancedAccuracy = withImages.Count == 0 ? 0 : withImages.Average(c => c.Recall),
            WeightedF1 = perClass.Sum(c => c.F1 * c.Support) / n0,
            NormalizedConfusionMatrix = [.. confusion.Select(Normalise)],
            RocAuc = rocAuc,
            MacroRocAuc = MeanOfDefined(rocAuc.Values),
            AveragePrecision = averagePrecision,
            MacroAveragePrecision = MeanOfDefined(averagePrecision.Values),
            Curves = curves,
            Calibration = calibration,
            Ece = calibration.Ece,
            TopK = k > 2 ? [.. TopKs.Where(top => top < k).Select(top => new TopKAccuracy(top, TopKShare(truth, probabilities, top)))] : [],
        };
    }

    /// <summary>Share of images whose true class is among the <paramref name="k"/> most probable (ties counted against it).</summary>
    public static double TopKShare(IReadOnlyList<int> truth, IReadOnlyList<float[]> probabilities, int k)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(probabilities);
        if (truth.Count == 0)
        {
            return 0;
        }

        var hits = 0;
        for (var n = 0; n < truth.Count; n++)
        {
            var p = probabilities[n];
            var own = p[truth[n]];
            var above = p.Count(v => v > own) + p.Where((v, c) => v == own && c < truth[n]).Count();
            hits += above < k ? 1 : 0;
        }

        return (double)hits / truth.Count;
    }

    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static double[] Normalise(int[] row)
    {
        var total = row.Sum();
        return [.. row.Select(v => total == 0 ? 0 : (double)v / total)];
    }

    private static double? MeanOfDefined(IEnumerable<double?> values)
    {
        var defined = values.Where(v => v is not null).Select(v => v!.Value).ToList();
        return defined.Count == 0 ? null : defined.Average();
    }
}
