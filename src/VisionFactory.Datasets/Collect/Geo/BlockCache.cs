using System.Collections.Concurrent;

namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>A decoded tile or strip lent by the cache; disposing it hands it back.</summary>
public readonly struct BlockLease : IDisposable, IEquatable<BlockLease>
{
    private readonly BlockCache? cache;
    private readonly BlockCache.Entry? entry;

    internal BlockLease(BlockCache cache, BlockCache.Entry entry, byte[] data)
    {
        this.cache = cache;
        this.entry = entry;
        Data = data;
    }

    /// <summary>The decoded samples, valid until the lease is disposed.</summary>
    public byte[] Data { get; }

    public void Dispose() => cache?.Release(entry!);

    public bool Equals(BlockLease other) => ReferenceEquals(entry, other.entry);

    public override bool Equals(object? obj) => obj is BlockLease other && Equals(other);

    public override int GetHashCode() => entry?.GetHashCode() ?? 0;

    public static bool operator ==(BlockLease left, BlockLease right) => left.Equals(right);

    public static bool operator !=(BlockLease left, BlockLease right) => !left.Equals(right);
}

/// <summary>
/// Decoded tiles or strips of one file, least recently used dropped first once they pass a byte budget. A block being
/// decoded is decoded once, however many chips ask for it at the same time. Blocks are lent: a dropped block's buffer
/// is reused for the next decode once no chip reads it any more, so decoding a large scene does not leave hundreds of
/// megabytes of large-object garbage behind.
/// </summary>
public sealed class BlockCache
{
    private readonly Lock gate = new();
    private readonly Dictionary<int, Entry> blocks = [];
    private readonly LinkedList<Entry> recency = new();
    private readonly ConcurrentBag<byte[]> spare = [];
    private readonly long budgetBytes;
    private readonly int blockBytes;
    private readonly Func<int, byte[], byte[]> decode;
    private long decodes;

    internal BlockCache(long budgetBytes, int blockBytes, Func<int, byte[], byte[]> decode)
    {
        this.budgetBytes = budgetBytes;
        this.blockBytes = blockBytes;
        this.decode = decode;
    }

    public long Decodes => Interlocked.Read(ref decodes);

    public BlockLease Rent(int index)
    {
        Entry entry;
        lock (gate)
        {
            if (blocks.TryGetValue(index, out var found))
            {
                entry = found;
                recency.Remove(entry.Node);
                recency.AddFirst(entry.Node);
            }
            else
            {
                entry = new Entry(index);
                var created = entry;
                entry.Data = new Lazy<byte[]>(() =>
                {
                    Interlocked.Increment(ref decodes);
                    return decode(created.Index, spare.TryTake(out var buffer) ? buffer : GC.AllocateUninitializedArray<byte>(blockBytes));
                }, LazyThreadSafetyMode.ExecutionAndPublication);
                entry.Node = recency.AddFirst(entry);
                blocks[index] = entry;
                while (recency.Count > 1 && (long)recency.Count * blockBytes > budgetBytes)
                {
                    var oldest = recency.Last!.Value;
                    recency.RemoveLast();
                    blocks.Remove(oldest.Index);
                    oldest.Evicted = true;
                    if (oldest.Users == 0)
                    {
                        Recycle(oldest);
                    }
                }
            }

            entry.Users++;
        }

        try
        {
            return new BlockLease(this, entry, entry.Data.Value);
        }
        catch
        {
            Release(entry);
            throw;
        }
    }

    internal void Release(Entry entry)
    {
        lock (gate)
        {
            if (--entry.Users == 0 && entry.Evicted)
            {
                Recycle(entry);
            }
        }
    }

    private void Recycle(Entry entry)
    {
        if (entry.Data.IsValueCreated && spare.Count < 64)
        {
            spare.Add(entry.Data.Value);
        }
    }

    internal sealed class Entry(int index)
    {
        public int Index { get; } = index;

        public Lazy<byte[]> Data { get; set; } = null!;

        public LinkedListNode<Entry> Node { get; set; } = null!;

        public int Users { get; set; }

        public bool Evicted { get; set; }
    }
}
