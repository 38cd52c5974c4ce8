namespace VisionFactory.Datasets.Review;

/// <summary>Union-find over 0..n-1 with path halving and union by size: the groups that pairwise links make.</summary>
public sealed class DisjointSets
{
    private readonly int[] parent;
    private readonly int[] size;

    public DisjointSets(int count)
    {
        parent = Enumerable.Range(0, count).ToArray();
        size = Enumerable.Repeat(1, count).ToArray();
    }

    public int Find(int x)
    {
        while (parent[x] != x)
        {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }

        return x;
    }

    public void Union(int a, int b)
    {
        var (ra, rb) = (Find(a), Find(b));
        if (ra == rb)
        {
            return;
        }

        if (size[ra] < size[rb])
        {
            (ra, rb) = (rb, ra);
        }

        parent[rb] = ra;
        size[ra] += size[rb];
    }

    /// <summary>The groups of two or more members, each sorted, ordered by their first member.</summary>
    public List<int[]> Groups() =>
        Enumerable.Range(0, parent.Length)
            .GroupBy(Find)
            .Where(g => g.Count() > 1)
            .Select(g => g.Order().ToArray())
            .OrderBy(g => g[0])
            .ToList();
}
