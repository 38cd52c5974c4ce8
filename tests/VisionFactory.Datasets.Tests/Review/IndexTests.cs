using System.Numerics;
using VisionFactory.Datasets.Review;
using VisionFactory.Imaging.Quality;

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

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(10)]
    [InlineData(20)]
    public void DifferenceHashIndexFindsExactlyThePairsBruteForceFinds(int radius)
    {
        var random = new Random(radius);
        var hashes = new List<DifferenceHash>();
        for (var i = 0; i < 1500; i++)
        {
            // Every third hash is a copy of an earlier one with up to 24 bits flipped, anywhere in the 256.
            if (i % 3 == 2)
            {
                var bytes = hashes[random.Next(hashes.Count)].ToBytes();
                for (var flips = random.Next(0, 25); flips > 0; flips--)
                {
                    var bit = random.Next(DifferenceHash.Bits);
                    bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                }

                hashes.Add(DifferenceHash.FromBytes(bytes));
            }
            else
            {
                hashes.Add(new DifferenceHash((ulong)random.NextInt64(), (ulong)random.NextInt64(), (ulong)random.NextInt64(), (ulong)random.NextInt64()));
            }
        }

        var found = HammingIndex.Pairs(hashes, radius);
        var expected = new HashSet<(int, int)>();
        for (var a = 0; a < hashes.Count; a++)
        {
            for (var b = a + 1; b < hashes.Count; b++)
            {
                if (hashes[a].DistanceTo(hashes[b]) <= radius)
                {
                    expected.Add((a, b));
                }
            }
        }

        Assert.NotEmpty(expected);
        Assert.Equal(found.Count, found.Select(p => (p.A, p.B)).Distinct().Count());
        Assert.Equal(expected.Order(), found.Select(p => (p.A, p.B)).Order());
        Assert.All(found, p => Assert.Equal(hashes[p.A].DistanceTo(hashes[p.B]), p.Distance));
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
