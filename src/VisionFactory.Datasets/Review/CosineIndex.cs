using System.Numerics.Tensors;

namespace VisionFactory.Datasets.Review;

/// <summary>
/// Finds pairs of vectors with a cosine similarity at or above a threshold without comparing all pairs: random
/// hyperplane locality-sensitive hashing. Each of <see cref="Tables"/> tables hashes a vector to the signs of its
/// projections on a few random directions (about log2(n) - 2 of them, so buckets stay small as n grows); two vectors
/// at angle θ agree on one sign with probability about 1 - θ/π, so similar vectors share a bucket in some table with
/// high probability while unrelated ones rarely do. The directions are sparse (64 random coordinates of ±1 each), which
/// keeps hashing 100 000 vectors cheap. Candidates are checked exactly: approximate in what it may miss (a pair just
/// above the threshold), never in what it reports.
/// </summary>
public static class CosineIndex
{
    public const int Tables = 20;

    private const int PlaneDensity = 64;

    /// <summary>
    /// Every pair (i &lt; j) found with cosine similarity at least <paramref name="threshold"/>. The vectors are
    /// centred on their mean first: backbone features are all positive, so unrelated images would otherwise look alike.
    /// </summary>
    public static List<(int A, int B, double Cosine)> Pairs(
        IReadOnlyList<float[]> vectors, double threshold, int seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        var unit = Normalise(vectors);
        var n = unit.Length;
        var pairs = new List<(int, int, double)>();
        if (n < 2)
        {
            return pairs;
        }

        var width = unit[0].Length;
        var bits = Math.Clamp((int)Math.Ceiling(Math.Log2(n)) - 2, 8, 16);
        var random = new Random(seed);

        // Sparse directions: per table and bit, 64 coordinates with a random sign.
        var coordinates = new int[Tables * bits * PlaneDensity];
        var signs = new float[coordinates.Length];
        for (var p = 0; p < coordinates.Length; p++)
        {
            coordinates[p] = random.Next(width);
            signs[p] = random.Next(2) == 0 ? -1f : 1f;
        }

        var keys = new int[Tables][];
        for (var t = 0; t < Tables; t++)
        {
            keys[t] = new int[n];
        }

        Parallel.For(0, n, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var v = unit[i];
            for (var t = 0; t < Tables; t++)
            {
                var key = 0;
                for (var b = 0; b < bits; b++)
                {
                    var offset = ((t * bits) + b) * PlaneDensity;
                    var sum = 0f;
                    for (var k = 0; k < PlaneDensity; k++)
                    {
                        sum += signs[offset + k] * v[coordinates[offset + k]];
                    }

                    key |= (sum >= 0 ? 1 : 0) << b;
                }

                keys[t][i] = key;
            }
        });

        var order = new int[n];
        var sorted = new int[n];
        for (var t = 0; t < Tables; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var i = 0; i < n; i++)
            {
                order[i] = i;
                sorted[i] = keys[t][i];
            }

            Array.Sort(sorted, order);
            for (var start = 0; start < n;)
            {
                var end = start + 1;
                while (end < n && sorted[end] == sorted[start])
                {
                    end++;
                }

                for (var a = start; a < end; a++)
                {
                    for (var b = a + 1; b < end; b++)
                    {
                        var (i, j) = order[a] < order[b] ? (order[a], order[b]) : (order[b], order[a]);

                        // A pair is checked in the first table that puts it in one bucket, so it is reported once.
                        if (SharedEarlier(keys, t, i, j))
                        {
                            continue;
                        }

                        var cosine = TensorPrimitives.Dot(unit[i], unit[j]);
                        if (cosine >= threshold)
                        {
                            pairs.Add((i, j, cosine));
                        }
                    }
                }

                start = end;
            }
        }

        pairs.Sort((x, y) => x.Item1 != y.Item1 ? x.Item1.CompareTo(y.Item1) : x.Item2.CompareTo(y.Item2));
        return pairs;
    }

    /// <summary>The vectors centred on their mean and scaled to length 1, so a dot product is their cosine similarity.</summary>
    public static float[][] Normalise(IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0)
        {
            return [];
        }

        var width = vectors[0].Length;
        var mean = new float[width];
        foreach (var v in vectors)
        {
            TensorPrimitives.Add(mean, v, mean);
        }

        TensorPrimitives.Divide(mean, vectors.Count, mean);
        var result = new float[vectors.Count][];
        for (var i = 0; i < vectors.Count; i++)
        {
            var centred = new float[width];
            TensorPrimitives.Subtract(vectors[i], mean, centred);
            var norm = TensorPrimitives.Norm(centred);
            if (norm > 0)
            {
                TensorPrimitives.Divide(centred, norm, centred);
            }

            result[i] = centred;
        }

        return result;
    }

    private static bool SharedEarlier(int[][] keys, int table, int i, int j)
    {
        for (var t = 0; t < table; t++)
        {
            if (keys[t][i] == keys[t][j])
            {
                return true;
            }
        }

        return false;
    }
}
