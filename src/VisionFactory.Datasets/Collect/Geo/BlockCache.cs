namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>
/// Decoded tiles or strips of one file, least recently used dropped first once they pass a byte budget. A block being
/// decoded is decoded once, however many chips ask for it at the same time.
/// </summary>
internal sealed class BlockCache(long budgetBytes, int blockBytes, Func<int, byte[]> decode)
{
    private readonly Lock gate = new();
    private readonly Dictionary<int, LinkedListNode<(int Index, Lazy<byte[]> Data)>> blocks = [];
    private readonly LinkedList<(int Index, Lazy<byte[]> Data)> recency = new();
    private long decodes;

    public long Decodes => Interlocked.Read(ref decodes);

    public byte[] Get(int index)
    {
        Lazy<byte[]> data;
        lock (gate)
        {
            if (blocks.TryGetValue(index, out var node))
            {
                recency.Remove(node);
                recency.AddFirst(node);
                data = node.Value.Data;
            }
            else
            {
                data = new Lazy<byte[]>(() =>
                {
                    Interlocked.Increment(ref decodes);
                    return decode(index);
                }, LazyThreadSafetyMode.ExecutionAndPublication);
                blocks[index] = recency.AddFirst((index, data));
                while (recency.Count > 1 && (long)recency.Count * blockBytes > budgetBytes)
                {
                    blocks.Remove(recency.Last!.Value.Index);
                    recency.RemoveLast();
                }
            }
        }

        return data.Value;
    }
}
