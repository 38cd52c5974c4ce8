using System.Numerics;
using VisionFactory.Imaging.Quality;

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

    /// <summary>
    /// Every pair (i &lt; j) of 256-bit difference hashes within <paramref name="radius"/> bits, with the distance. The
    /// hash is cut into radius + 1 substrings (at least 8, so none is longer than 32 bits); two hashes within the radius
    /// agree exactly on at least one of them (pigeonhole), so the hashes are grouped by each substring's value and only
    /// members of one group are compared.
    /// </summary>
    public static List<(int A, int B, int Distance)> Pairs(
        IReadOnlyList<DifferenceHash> hashes, int radius, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(radius, 31);
        var slices = Math.Max(radius + 1, 8);
        var bounds = Enumerable.Range(0, slices + 1).Select(k => k * DifferenceHash.Bits / slices).ToArray();
        var pairs = new List<(int, int, int)>();
        for (var c = 0; c < slices; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (start, length) = (bounds[c], bounds[c + 1] - bounds[c]);
            var groups = new Dictionary<ulong, List<int>>();
            for (var i = 0; i < hashes.Count; i++)
            {
                var key = hashes[i].Slice(start, length);
                if (!groups.TryGetValue(key, out var members))
                {
                    groups[key] = members = [];
                }

                members.Add(i);
            }

            foreach (var members in groups.Values)
            {
                for (var x = 0; x < members.Count; x++)
                {
                    for (var y = x + 1; y < members.Count; y++)
                    {
                        var (a, b) = (members[x], members[y]);
                        var distance = hashes[a].DistanceTo(hashes[b]);

                        // Reported from the first substring they agree on, so each pair appears once.
                        if (distance <= radius && FirstEqualSlice(hashes[a], hashes[b], bounds) == c)
                        {
                            pairs.Add((a, b, distance));
                        }
                    }
                }
            }
        }

        return pairs;
    }

    private static int FirstEqualSlice(DifferenceHash a, DifferenceHash b, int[] bounds)
    {
        for (var c = 0; c < bounds.Length - 1; c++)
        {
            var length = bounds[c + 1] - bounds[c];
            if (a.Slice(bounds[c], length) == b.Slice(bounds[c], length))
            {
                return c;
            }
        }

        return -1;
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
