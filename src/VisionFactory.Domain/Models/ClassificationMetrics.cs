namespace VisionFactory.Domain.Models;

/// <summary>Accuracy, loss, per-class precision / recall / F1 and the confusion matrix from predicted probabilities.</summary>
public static class ClassificationMetrics
{
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
        for (var n = 0; n < truth.Count; n++)
        {
            var p = probabilities[n];
            var predicted = ArgMax(p);
            confusion[truth[n]][predicted]++;
            correct += predicted == truth[n] ? 1 : 0;

            // Clamped so that one confident mistake cannot make the mean loss infinite.
            loss -= Math.Log(Math.Max(p[truth[n]], 1e-12));
        }

        var perClass = new List<ClassMetrics>(k);
        for (var c = 0; c < k; c++)
        {
            var tp = confusion[c][c];
            var support = confusion[c].Sum();
            var predictedAs = confusion.Sum(row => row[c]);
            var precision = predictedAs == 0 ? 0 : (double)tp / predictedAs;
            var recall = support == 0 ? 0 : (double)tp / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass.Add(new ClassMetrics(classes[c], precision, recall, f1, support));
        }

        var n0 = Math.Max(truth.Count, 1);
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
        };
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
}
