using System.Numerics.Tensors;

namespace VisionFactory.Datasets.Review;

/// <summary>
/// Finds pairs of vectors with a cosine similarity at or above a threshold without comparing all pairs: random
/// hyperplane locality-sensitive hashing. Each of <see cref="Tables"/> tables hashes a vector to the signs of its
/// projections on <see cref="Bits"/> random directions; two vectors at angle θ agree on one sign with probability
/// 1 - θ/π, so similar vectors share a bucket in some table with high probability while unrelated ones rarely do.
/// Candidates are then checked exactly. Approximate: a pair just above the threshold can be missed (at cosine 0.9,
/// about 1 in 30), never a false one reported.
/// </summary>
public static class CosineIndex
{
    public const int Tables = 20;
    public const int Bits = 12;

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
        var random = new Random(seed);
        var seen = new HashSet<long>();
        var keys = new int[n];
        var planes = new float[Bits * width];
        for (var t = 0; t < Tables; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var p = 0; p < planes.Length; p++)
            {
                planes[p] = (float)Gaussian(random);
            }

            for (var i = 0; i < n; i++)
            {
                var key = 0;
                for (var b = 0; b < Bits; b++)
                {
                    if (TensorPrimitives.Dot(unit[i], planes.AsSpan(b * width, width)) >= 0)
                    {
                        key |= 1 << b;
                    }
                }

                keys[i] = key;
            }

            foreach (var bucket in Enumerable.Range(0, n).GroupBy(i => keys[i]))
            {
                var members = bucket.ToArray();
                for (var a = 0; a < members.Length; a++)
                {
                    for (var b = a + 1; b < members.Length; b++)
                    {
                        var (i, j) = (members[a], members[b]);
                        var id = ((long)i * n) + j;
                        if (!seen.Add(id))
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

    private static double Gaussian(Random random)
    {
        // Box-Muller: directions drawn from an isotropic Gaussian are uniform on the sphere.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
