using System.Numerics;

namespace VisionFactory.Datasets.Review;

/// <summary>
/// Finds every pair of 64-bit hashes within a Hamming radius without comparing all pairs: multi-index hashing. The
/// hash is cut into four 16-bit substrings, each indexed by value. Two hashes within radius r differ in at most
/// floor(r / 4) bits in at least one substring (pigeonhole), so looking up every value within that many bits of each
/// substring finds every pair, and only those candidates are compared in full. Cost grows with the number of hashes
/// times the bucket sizes, not with its square.
/// </summary>
public static class HammingIndex
{
    private const int Chunks = 4;
    private const int ChunkBits = 16;

    /// <summary>Every pair (i &lt; j) whose hashes differ in at most <paramref name="radius"/> bits, with the distance.</summary>
    public static List<(int A, int B, int Distance)> Pairs(IReadOnlyList<ulong> hashes, int radius, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(radius, 63);
        var n = hashes.Count;
        var subRadius = radius / Chunks;
        var masks = MasksWithin(subRadius);

        // Per substring, the hashes sorted into 65 536 buckets (counting sort: offsets, then members).
        var offsets = new int[Chunks][];
        var members = new int[Chunks][];
        for (var c = 0; c < Chunks; c++)
        {
            var counts = new int[(1 << ChunkBits) + 1];
            for (var i = 0; i < n; i++)
            {
                counts[Chunk(hashes[i], c) + 1]++;
            }

            for (var v = 0; v < 1 << ChunkBits; v++)
            {
                counts[v + 1] += counts[v];
            }

            var fill = (int[])counts.Clone();
            var order = new int[n];
            for (var i = 0; i < n; i++)
            {
                order[fill[Chunk(hashes[i], c)]++] = i;
            }

            offsets[c] = counts;
            members[c] = order;
        }

        var pairs = new List<(int, int, int)>();
        for (var i = 0; i < n; i++)
        {
            if ((i & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var h = hashes[i];
            for (var c = 0; c < Chunks; c++)
            {
                var value = Chunk(h, c);
                foreach (var mask in masks)
                {
                    var bucket = value ^ mask;
                    for (var m = offsets[c][bucket]; m < offsets[c][bucket + 1]; m++)
                    {
                        var j = members[c][m];
                        if (j <= i)
                        {
                            continue;
                        }

                        var distance = BitOperations.PopCount(h ^ hashes[j]);
                        if (distance <= radius && FirstMatchingChunk(h, hashes[j], subRadius) == c)
                        {
                            pairs.Add((i, j, distance));
                        }
                    }
                }
            }
        }

        return pairs;
    }

    // A pair is reported from the first substring that finds it, so each pair appears once.
    private static int FirstMatchingChunk(ulong a, ulong b, int subRadius)
    {
        for (var c = 0; c < Chunks; c++)
        {
            if (BitOperations.PopCount((uint)(Chunk(a, c) ^ Chunk(b, c))) <= subRadius)
            {
                return c;
            }
        }

        return -1;
    }

    private static int Chunk(ulong hash, int c) => (int)((hash >> (c * ChunkBits)) & 0xFFFF);

    private static int[] MasksWithin(int bits)
    {
        var masks = new List<int>();
        for (var m = 0; m < 1 << ChunkBits; m++)
        {
            if (BitOperations.PopCount((uint)m) <= bits)
            {
                masks.Add(m);
            }
        }

        return [.. masks];
    }
}
