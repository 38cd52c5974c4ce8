namespace VisionFactory.Domain.Datasets;

/// <summary>
/// A stratified split that keeps groups together: every image of a group (near-duplicates of one photo) lands in the
/// same split, so no copy of a test image is trained on. It starts from <see cref="StratifiedSplitter"/>'s split, moves
/// each straddling group whole into the split most of it already sits in, then moves as many ungrouped images of the
/// same class the other way, so every split keeps its planned size per class whenever enough ungrouped images exist.
/// Like the ungrouped splitter, the result depends only on the seed, the keys and the groups.
/// </summary>
public static class GroupedStratifiedSplitter
{
    /// <summary>
    /// Returns the split of each key. <paramref name="items"/> pairs a stable key with its class and its group (images
    /// alone in their group may use their own key); <paramref name="pinned"/> fixes the split of keys that already have
    /// one (images of an earlier version): their groups follow them, and they are not in the result.
    /// </summary>
    public static Dictionary<string, Split> Assign(
        IEnumerable<(string Key, int ClassIndex, string Group)> items, SplitPlan plan, IReadOnlyDictionary<string, Split>? pinned = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(plan);
        var all = items.ToList();
        bool IsPinned(string key) => pinned is not null && pinned.ContainsKey(key);
        var free = all.Where(i => !IsPinned(i.Key)).ToList();
        return Regroup(all, StratifiedSplitter.Assign(free.Select(i => (i.Key, i.ClassIndex)), plan), plan.Seed, pinned);
    }

    /// <summary>
    /// Keeps groups together starting from an existing split (<paramref name="start"/>: every unpinned key's split), with
    /// as few moves as the groups allow: what a new version of a dataset split before grouping needs.
    /// </summary>
    public static Dictionary<string, Split> Regroup(
        IEnumerable<(string Key, int ClassIndex, string Group)> items, IReadOnlyDictionary<string, Split> start, int seed,
        IReadOnlyDictionary<string, Split>? pinned = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(start);
        var all = items.ToList();
        bool IsPinned(string key) => pinned is not null && pinned.ContainsKey(key);
        var free = all.Where(i => !IsPinned(i.Key)).ToList();
        var result = free.ToDictionary(i => i.Key, i => start[i.Key], StringComparer.Ordinal);
        var classOf = free.ToDictionary(i => i.Key, i => i.ClassIndex, StringComparer.Ordinal);

        var groups = all.GroupBy(i => i.Group, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => g.OrderBy(i => i.Key, StringComparer.Ordinal).ToArray())
            .OrderBy(g => g[0].Key, StringComparer.Ordinal)
            .ToList();
        var grouped = groups.SelectMany(g => g).Select(i => i.Key).ToHashSet(StringComparer.Ordinal);

        // Per class and split: images a group move added (positive) or took away (negative).
        var delta = new Dictionary<(int Class, Split Split), int>();
        foreach (var group in groups)
        {
            var target = TargetOf(group, result, pinned);
            foreach (var item in group.Where(i => !IsPinned(i.Key) && result[i.Key] != target))
            {
                Count(delta, item.ClassIndex, result[item.Key], -1);
                Count(delta, item.ClassIndex, target, +1);
                result[item.Key] = target;
            }
        }

        // Ungrouped images of the same class go the other way, chosen in a seeded order.
        var singles = free.Where(i => !grouped.Contains(i.Key)).Select(i => i.Key).Order(StringComparer.Ordinal).ToArray();
        new Random(unchecked((seed * 7919) + 7417)).Shuffle(singles);
        foreach (var key in singles)
        {
            var c = classOf[key];
            var from = result[key];
            if (delta.GetValueOrDefault((c, from)) <= 0)
            {
                continue;
            }

            var to = Enum.GetValues<Split>().Where(s => delta.GetValueOrDefault((c, s)) < 0).Cast<Split?>().FirstOrDefault();
            if (to is { } destination)
            {
                Count(delta, c, from, -1);
                Count(delta, c, destination, +1);
                result[key] = destination;
            }
        }

        // Where ungrouped images ran out, whole groups that fit the remaining gaps move instead.
        var order = groups.Where(g => !g.Any(i => IsPinned(i.Key))).ToArray();
        new Random(unchecked((seed * 7919) + 7927)).Shuffle(order);
        foreach (var group in order)
        {
            var from = result[group[0].Key];
            var counts = group.GroupBy(i => i.ClassIndex).ToDictionary(g => g.Key, g => g.Count());
            var to = Enum.GetValues<Split>().Where(t => t != from && counts.All(c =>
                delta.GetValueOrDefault((c.Key, from)) >= c.Value && delta.GetValueOrDefault((c.Key, t)) <= -c.Value)).Cast<Split?>().FirstOrDefault();
            if (to is { } destination)
            {
                foreach (var item in group)
                {
                    Count(delta, item.ClassIndex, from, -1);
                    Count(delta, item.ClassIndex, destination, +1);
                    result[item.Key] = destination;
                }
            }
        }

        return result;
    }

    /// <summary>How many keys have another split in <paramref name="grouped"/> than in <paramref name="ungrouped"/>.</summary>
    public static int Moved(IReadOnlyDictionary<string, Split> grouped, IReadOnlyDictionary<string, Split> ungrouped)
    {
        ArgumentNullException.ThrowIfNull(grouped);
        ArgumentNullException.ThrowIfNull(ungrouped);
        return grouped.Count(g => ungrouped.TryGetValue(g.Key, out var s) && s != g.Value);
    }

    // A group with an image of an earlier version follows it; otherwise the split most of the group is in (ties: train,
    // which has the most ungrouped images to give back in exchange).
    private static Split TargetOf(
        (string Key, int ClassIndex, string Group)[] group, Dictionary<string, Split> result, IReadOnlyDictionary<string, Split>? pinned)
    {
        foreach (var item in group)
        {
            if (pinned is not null && pinned.TryGetValue(item.Key, out var anchor))
            {
                return anchor;
            }
        }

        return group.GroupBy(i => result[i.Key])
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key)
            .First().Key;
    }

    private static void Count(Dictionary<(int, Split), int> delta, int classIndex, Split split, int change) =>
        delta[(classIndex, split)] = delta.GetValueOrDefault((classIndex, split)) + change;
}
