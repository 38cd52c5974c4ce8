using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain.Review;
using VisionFactory.Imaging.Caching;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Imaging.Quality;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Datasets.Review;

/// <summary>
/// Perceptual hashes and quality measures of images, computed once per image content and kept in the database. They are
/// measured on the square pixels the import already cached for training, so most images are not decoded again.
/// </summary>
public sealed class ImageSignatures(VisionFactoryDb db, PixelCache pixels, BlobStore blobs, ImageLimits limits)
{
    /// <summary>The side of the square pixels everything is measured on (the import's warm cache size).</summary>
    public const int Side = 224;

    private const int QueryChunk = 500;

    /// <summary>The signature of every image, computing and storing those not measured yet.</summary>
    public async Task<Dictionary<string, ImageSignature>> GetAsync(
        IReadOnlyCollection<string> sha256s, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sha256s);
        var wanted = sha256s.Distinct(StringComparer.Ordinal).ToList();
        var found = new Dictionary<string, ImageSignature>(StringComparer.Ordinal);
        foreach (var chunk in wanted.Chunk(QueryChunk))
        {
            var rows = await db.Set<ImageSignature>().AsNoTracking().Where(s => chunk.Contains(s.Sha256))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var row in rows.Where(r => r.DifferenceHash is not null))
            {
                found[row.Sha256] = row;
            }
        }

        var missing = wanted.Where(s => !found.ContainsKey(s)).ToList();
        var done = wanted.Count - missing.Count;
        progress?.Report((done, wanted.Count));
        foreach (var batch in missing.Chunk(1000))
        {
            var measured = new ConcurrentBag<ImageSignature>();
            await Parallel.ForEachAsync(
                batch,
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
                (sha, _) =>
                {
                    measured.Add(Measure(sha, PixelsOf(sha), Side));
                    return ValueTask.CompletedTask;
                }).ConfigureAwait(false);

            await SaveAsync(measured, cancellationToken).ConfigureAwait(false);
            foreach (var m in measured)
            {
                found[m.Sha256] = m;
            }

            done += batch.Length;
            progress?.Report((done, wanted.Count));
        }

        return found;
    }

    // Another review (of a dataset sharing these files) may store the same images at the same moment: the rows are
    // equal, so whichever arrived first stays.
    private async Task SaveAsync(IReadOnlyCollection<ImageSignature> measured, CancellationToken cancellationToken)
    {
        try
        {
            // Signatures measured before the difference hash was kept are replaced.
            var shas = measured.Select(m => m.Sha256).ToList();
            var stale = await db.Set<ImageSignature>().Where(s => shas.Contains(s.Sha256) && s.DifferenceHash == null)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            db.Set<ImageSignature>().RemoveRange(stale);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            db.Set<ImageSignature>().AddRange(measured);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            var shas = measured.Select(m => m.Sha256).ToList();
            var stored = await db.Set<ImageSignature>().AsNoTracking().Where(s => shas.Contains(s.Sha256)).Select(s => s.Sha256)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            db.Set<ImageSignature>().AddRange(measured.Where(m => !stored.Contains(m.Sha256)));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>The signature of square RGB pixels.</summary>
    public static ImageSignature Measure(string sha256, byte[] rgb, int side)
    {
        var quality = ImageQuality.Measure(rgb, side);
        var hashes = DifferenceHash.BothOf(rgb, side);
        return new ImageSignature
        {
            Sha256 = sha256,
            PerceptualHash = unchecked((long)hashes.Perceptual),
            DifferenceHash = hashes.Difference.ToBytes(),
            MeanLuminance = quality.MeanLuminance,
            DarkFraction = quality.DarkFraction,
            BrightFraction = quality.BrightFraction,
            LaplacianVariance = quality.LaplacianVariance,
            MeasuredSide = side,
        };
    }

    private byte[] PixelsOf(string sha)
    {
        if (pixels.TryRead(sha, Side, out var rgb))
        {
            return rgb;
        }

        var (_, decoded) = ImageDecoder.DecodeSquare(blobs.ReadAllBytes(sha), Side, limits);
        pixels.Write(sha, Side, decoded);
        return decoded;
    }
}
