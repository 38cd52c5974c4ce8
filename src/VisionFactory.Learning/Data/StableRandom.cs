namespace VisionFactory.Learning.Data;

/// <summary>
/// A random sequence fixed by a key such as (seed, purpose, epoch, step): SplitMix64, so the same key gives the same
/// numbers in every process, on every platform and in every .NET version (unlike <see cref="Random"/> seeded with
/// <see cref="HashCode"/>). Training draws its shuffles and augmentations from keys of their position, so a run
/// resumed at (epoch, step) sees exactly the batches it would have seen.
/// </summary>
public sealed class StableRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private ulong state;

    /// <param name="key">The parts of the key, in order; (1, 2) and (2, 1) give different sequences.</param>
    public StableRandom(params ReadOnlySpan<long> key)
    {
        state = Golden;
        foreach (var part in key)
        {
            state = Mix(state ^ unchecked((ulong)part)) + Golden;
        }
    }

    public ulong NextUInt64()
    {
        state = unchecked(state + Golden);
        return Mix(state);
    }

    /// <summary>Uniform in [0, 1), with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double NextDouble(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public int Next(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxExclusive, 1);
        return (int)((NextUInt64() >> 32) * (ulong)maxExclusive >> 32);
    }

    /// <summary>A non-negative seed for another generator (e.g. the tensor library's).</summary>
    public long NextSeed() => (long)(NextUInt64() >> 1);

    /// <summary>Fisher-Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
