namespace VisionFactory.Domain.Models.Metrics;

/// <summary>One bin of a reliability curve: images whose confidence fell in [<see cref="Lower"/>, <see cref="Upper"/>).</summary>
/// <param name="Lower">Lowest confidence of the bin.</param>
/// <param name="Upper">Highest confidence of the bin (the last bin includes 1).</param>
/// <param name="Count">Images in the bin.</param>
/// <param name="Confidence">Their mean confidence (probability of the predicted class); null for an empty bin.</param>
/// <param name="Accuracy">The share of them predicted right; null for an empty bin.</param>
public sealed record ReliabilityBin(double Lower, double Upper, int Count, double? Confidence, double? Accuracy);

/// <summary>How well confidence matches accuracy: the reliability curve and the expected calibration error.</summary>
/// <param name="Ece">Expected calibration error: the bins' |accuracy - confidence|, weighted by their share of images.</param>
/// <param name="Bins">Equal-width confidence bins from 0 to 1.</param>
public sealed record CalibrationReport(double Ece, List<ReliabilityBin> Bins)
{
    public const int DefaultBins = 10;

    /// <param name="confidence">Per image, the probability of the class predicted.</param>
    /// <param name="correct">Per image, whether that prediction was right.</param>
    /// <param name="bins">How many equal-width bins.</param>
    public static CalibrationReport Compute(IReadOnlyList<double> confidence, IReadOnlyList<bool> correct, int bins = DefaultBins)
    {
        ArgumentNullException.ThrowIfNull(confidence);
        ArgumentNullException.ThrowIfNull(correct);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        if (confidence.Count != correct.Count)
        {
            throw new ArgumentException($"{confidence.Count} confidences but {correct.Count} outcomes", nameof(correct));
        }

        var counts = new int[bins];
        var confidenceSums = new double[bins];
        var rightCounts = new int[bins];
        for (var i = 0; i < confidence.Count; i++)
        {
            var bin = Math.Clamp((int)Math.Floor(confidence[i] * bins), 0, bins - 1);
            counts[bin]++;
            confidenceSums[bin] += confidence[i];
            rightCounts[bin] += correct[i] ? 1 : 0;
        }

        var total = Math.Max(1, confidence.Count);
        double ece = 0;
        var result = new List<ReliabilityBin>(bins);
        for (var b = 0; b < bins; b++)
        {
            double? meanConfidence = counts[b] == 0 ? null : confidenceSums[b] / counts[b];
            double? accuracy = counts[b] == 0 ? null : (double)rightCounts[b] / counts[b];
            if (counts[b] > 0)
            {
                ece += (double)counts[b] / total * Math.Abs(accuracy!.Value - meanConfidence!.Value);
            }

            result.Add(new ReliabilityBin((double)b / bins, (double)(b + 1) / bins, counts[b], meanConfidence, accuracy));
        }

        return new CalibrationReport(ece, result);
    }
}
