using System.Runtime.InteropServices;
using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain.Review;
using VisionFactory.Storage.Database;

namespace VisionFactory.Datasets.Review;

/// <summary>Backbone embeddings of images, stored once per image content and backbone.</summary>
public sealed class EmbeddingStore(VisionFactoryDb db)
{
    private const int QueryChunk = 500;

    /// <summary>The stored embeddings of the given images for <paramref name="backbone"/>; missing ones are absent.</summary>
    public async Task<Dictionary<string, float[]>> GetAsync(string backbone, IReadOnlyCollection<string> sha256s, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sha256s);
        var found = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var chunk in sha256s.Distinct(StringComparer.Ordinal).Chunk(QueryChunk))
        {
            var rows = await db.Set<ImageEmbedding>().AsNoTracking()
                .Where(e => e.Backbone == backbone && chunk.Contains(e.Sha256))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                found[row.Sha256] = MemoryMarshal.Cast<byte, float>(row.Vector).ToArray();
            }
        }

        return found;
    }

    /// <summary>Stores embeddings (images already stored are skipped).</summary>
    public async Task PutAsync(string backbone, IReadOnlyDictionary<string, float[]> vectors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        var existing = await GetAsync(backbone, vectors.Keys.ToList(), cancellationToken).ConfigureAwait(false);
        foreach (var batch in vectors.Where(v => !existing.ContainsKey(v.Key)).Chunk(1000))
        {
            db.Set<ImageEmbedding>().AddRange(batch.Select(v => new ImageEmbedding
            {
                Sha256 = v.Key,
                Backbone = backbone,
                Vector = MemoryMarshal.AsBytes(v.Value.AsSpan()).ToArray(),
            }));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            db.ChangeTracker.Clear();
        }
    }
}
