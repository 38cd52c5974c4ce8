using System.Numerics;
using VisionFactory.Datasets.Review;

namespace VisionFactory.Datasets.Tests.Review;

public sealed class IndexTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(12)]
    public void HammingIndexFindsExactlyThePairsBruteForceFinds(int radius)
    {
        var random = new Random(radius);
        var hashes = new List<ulong>();
        for (var i = 0; i < 1500; i++)
        {
            // Every third hash is a copy of an earlier one with a few bits flipped.
            var hash = i % 3 == 2 ? Flip(hashes[random.Next(hashes.Count)], random.Next(0, 14), random) : (ulong)random.NextInt64() ^ ((ulong)random.Next() << 40);
            hashes.Add(hash);
        }

        var found = HammingIndex.Pairs(hashes, radius).Select(p => (p.A, p.B)).ToHashSet();
        var expected = new HashSet<(int, int)>();
        for (var a = 0; a < hashes.Count; a++)
        {
            for (var b = a + 1; b < hashes.Count; b++)
            {
                if (BitOperations.PopCount(hashes[a] ^ hashes[b]) <= radius)
                {
                    expected.Add((a, b));
                }
            }
        }

        Assert.NotEmpty(expected);
        Assert.Equal(expected.Order(), found.Order());
    }

    [Fact]
    public void CosineIndexFindsPlantedNearPairsAndNothingBelowTheThreshold()
    {
        var random = new Random(5);
        var vectors = new List<float[]>();
        var planted = new List<(int, int)>();
        for (var i = 0; i < 2000; i++)
        {
            vectors.Add(Enumerable.Range(0, 64).Select(_ => (float)random.NextDouble()).ToArray());
        }

        for (var i = 0; i < 50; i++)
        {
            var source = random.Next(2000);
            vectors.Add(vectors[source].Select(v => v + (float)((random.NextDouble() - 0.5) * 0.02)).ToArray());
            planted.Add((source, vectors.Count - 1));
        }

        var pairs = CosineIndex.Pairs(vectors, 0.95, seed: 1);

        var found = pairs.Select(p => (p.A, p.B)).ToHashSet();
        Assert.True(planted.Count(found.Contains) >= 48, $"found {planted.Count(found.Contains)} of 50 planted pairs");
        Assert.All(pairs, p => Assert.True(p.Cosine >= 0.95));
        Assert.True(pairs.Count <= 60, $"{pairs.Count} pairs reported for 50 planted ones");
    }

    private static ulong Flip(ulong hash, int bits, Random random)
    {
        for (var i = 0; i < bits; i++)
        {
            hash ^= 1UL << random.Next(64);
        }

        return hash;
    }
}
