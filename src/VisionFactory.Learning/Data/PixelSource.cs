using System.Collections.Concurrent;
using VisionFactory.Imaging.Caching;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Learning.Data;

/// <summary>
/// Square RGB pixels for images known by sha256: from memory, else the on-disk pixel cache, else by decoding the
/// stored file once (and caching the result). One instance serves one run, so later epochs read from memory.
/// </summary>
public sealed class PixelSource(PixelCache cache, Func<string, byte[]> readEncoded, ImageLimits limits)
{
    private readonly ConcurrentDictionary<(string Sha, int Size, SquareFit Fit), byte[]> memory = new();

    public byte[] Get(string sha256, int size, SquareFit fit)
    {
        return memory.GetOrAdd((sha256, size, fit), key =>
        {
            if (cache.TryRead(key.Sha, key.Size, out var rgb, key.Fit))
            {
                return rgb;
            }

            var (_, decoded) = ImageDecoder.DecodeSquare(readEncoded(key.Sha), key.Size, limits, key.Fit);
            cache.Write(key.Sha, key.Size, decoded, key.Fit);
            return decoded;
        });
    }

    /// <summary>
    /// The pixels from the disk cache (else decoded once and cached), without keeping them in memory: for one pass over
    /// more images than memory holds (the review's embeddings, which see whole pictures, stretched).
    /// </summary>
    public byte[] Read(string sha256, int size)
    {
        if (memory.TryGetValue((sha256, size, SquareFit.Stretch), out var kept) || cache.TryRead(sha256, size, out kept))
        {
            return kept;
        }

        var (_, decoded) = ImageDecoder.DecodeSquare(readEncoded(sha256), size, limits);
        cache.Write(sha256, size, decoded);
        return decoded;
    }

    /// <summary>Loads every image up front, decoding cache misses on all cores.</summary>
    public void Prefetch(IEnumerable<string> sha256s, int size, SquareFit fit, CancellationToken cancellationToken)
    {
        Parallel.ForEach(
            sha256s.Distinct(StringComparer.Ordinal),
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            sha => Get(sha, size, fit));
    }
}
