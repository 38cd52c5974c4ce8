using VisionFactory.Learning.Native;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Review;

/// <summary>
/// Out-of-sample class probabilities by k-fold cross-validation of a fast head-only model (multinomial logistic
/// regression on standardised backbone features): every image is scored by a model that never saw it. These are the
/// input confident learning needs to find labels that disagree with the rest of the data.
/// </summary>
public static class CrossValidatedProbabilities
{
    /// <summary>Full-batch optimisation steps per fold.</summary>
    public const int Steps = 200;

    /// <summary>
    /// Returns, per image, the probability of each class from the model of the fold that held it out.
    /// <paramref name="folds"/> gives each image's fold (0..k-1); images that must not be split across folds (near
    /// duplicates) share one.
    /// </summary>
    public static double[][] Compute(
        IReadOnlyList<float[]> features, IReadOnlyList<int> labels, IReadOnlyList<int> folds, int classes, int seed,
        IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(folds);
        var n = features.Count;
        if (labels.Count != n || folds.Count != n)
        {
            throw new ArgumentException("features, labels and folds must have one entry per image");
        }

        var result = new double[n][];
        if (n == 0)
        {
            return result;
        }

        manual_seed(seed);
        var width = features[0].Length;
        var k = folds.Max() + 1;
        for (var fold = 0; fold < k; fold++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var train = Enumerable.Range(0, n).Where(i => folds[i] != fold).ToArray();
            var held = Enumerable.Range(0, n).Where(i => folds[i] == fold).ToArray();
            if (held.Length == 0)
            {
                continue;
            }

            using var scope = NewDisposeScope();
            var x = Matrix(features, train, width);
            var y = tensor(train.Select(i => (long)labels[i]).ToArray());
            var mean = x.mean([0], keepdim: true);
            var std = x.std(0, keepdim: true) + 1e-6f;
            x = (x - mean) / std;

            using var head = nn.Linear(width, classes);
            using var optimizer = optim.Adam(head.parameters(), lr: 0.01, weight_decay: 1e-3);
            for (var step = 0; step < Steps; step++)
            {
                using var stepScope = NewDisposeScope();
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(head.call(x), y);
                loss.backward();
                optimizer.step();
            }

            using (no_grad())
            {
                var heldX = (Matrix(features, held, width) - mean) / std;
                var probabilities = nn.functional.softmax(head.call(heldX), 1).to(float64).contiguous().data<double>().ToArray();
                for (var i = 0; i < held.Length; i++)
                {
                    result[held[i]] = probabilities.AsSpan(i * classes, classes).ToArray();
                }
            }

            progress?.Report((fold + 1, k));
        }

        // An image in a fold with no other fold to learn from (a tiny dataset) gets the uninformed prior.
        for (var i = 0; i < n; i++)
        {
            result[i] ??= Enumerable.Repeat(1.0 / classes, classes).ToArray();
        }

        return result;
    }

    private static Tensor Matrix(IReadOnlyList<float[]> features, int[] rows, int width)
    {
        var data = new float[rows.Length * width];
        for (var r = 0; r < rows.Length; r++)
        {
            features[rows[r]].CopyTo(data, r * width);
        }

        return tensor(data, [rows.Length, width]);
    }
}
