using VisionFactory.Domain.Datasets;

namespace VisionFactory.Domain.Tests.Datasets;

public sealed class GroupedStratifiedSplitterTests
{
    [Fact]
    public void WithoutGroupsSplitIsTheUngroupedOne()
    {
        var items = Enumerable.Range(0, 60).Select(i => ($"img{i:000}", i % 2, $"img{i:000}")).ToList();

        var grouped = GroupedStratifiedSplitter.Assign(items, SplitPlan.Default);
        var ungrouped = StratifiedSplitter.Assign(items.Select(i => (i.Item1, i.Item2)), SplitPlan.Default);

        Assert.Equal(ungrouped, grouped);
        Assert.Equal(0, GroupedStratifiedSplitter.Moved(grouped, ungrouped));
    }

    [Fact]
    public void SplitsAreTheSameInEveryProcess()
    {
        // Computed once and checked in every later process: a seed derived with HashCode.Combine (randomised per
        // process) would give another split in each run of the tests.
        var items = Enumerable.Range(0, 20).Select(i => ($"img{i:00}", i % 2)).ToList();

        var plain = StratifiedSplitter.Assign(items, SplitPlan.Default);
        var grouped = GroupedStratifiedSplitter.Assign(
            items.Select(i => (i.Item1, i.Item2, i.Item1 is "img00" or "img02" or "img04" ? "photo" : i.Item1)), SplitPlan.Default);

        Assert.Equal(
            "img01:Test,img04:Validation,img07:Validation,img09:Test,img10:Test,img14:Test,img15:Validation,img18:Validation",
            Describe(plain));
        Assert.Equal(
            "img01:Test,img07:Validation,img09:Test,img10:Test,img12:Validation,img14:Test,img15:Validation,img18:Validation",
            Describe(grouped));
    }

    private static string Describe(Dictionary<string, Split> splits) =>
        string.Join(",", splits.Where(p => p.Value != Split.Train).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value}"));

    [Fact]
    public void GroupsNeverStraddleSplitsAndCountsStayPlanned()
    {
        // 100 images per class; every fifth image starts a group of three look-alikes.
        var items = new List<(string Key, int ClassIndex, string Group)>();
        for (var c = 0; c < 2; c++)
        {
            for (var i = 0; i < 100; i++)
            {
                var group = i % 10 < 3 ? $"g{c}-{i / 10}" : $"s{c}-{i}";
                items.Add(($"c{c}-{i:000}", c, group));
            }
        }

        var splits = GroupedStratifiedSplitter.Assign(items, SplitPlan.Default);

        Assert.All(items.GroupBy(i => i.Group), g => Assert.Single(g.Select(i => splits[i.Key]).Distinct()));
        for (var c = 0; c < 2; c++)
        {
            var ofClass = items.Where(i => i.ClassIndex == c).ToList();
            Assert.Equal(70, ofClass.Count(i => splits[i.Key] == Split.Train));
            Assert.Equal(15, ofClass.Count(i => splits[i.Key] == Split.Validation));
            Assert.Equal(15, ofClass.Count(i => splits[i.Key] == Split.Test));
        }

        var moved = GroupedStratifiedSplitter.Moved(splits, StratifiedSplitter.Assign(items.Select(i => (i.Key, i.ClassIndex)), SplitPlan.Default));
        Assert.InRange(moved, 1, 100);
    }

    [Fact]
    public void NewLookAlikeOfAnEarlierImageJoinsItsSplit()
    {
        var items = Enumerable.Range(0, 30).Select(i => ($"new{i:00}", i % 2, $"new{i:00}")).ToList();
        items.Add(("old-test", 0, "photo"));
        items[4] = (items[4].Item1, 0, "photo");
        var pinned = new Dictionary<string, Split> { ["old-test"] = Split.Test };

        var splits = GroupedStratifiedSplitter.Assign(items, SplitPlan.Default, pinned);

        Assert.Equal(Split.Test, splits["new04"]);
        Assert.DoesNotContain("old-test", splits.Keys);
    }
}
