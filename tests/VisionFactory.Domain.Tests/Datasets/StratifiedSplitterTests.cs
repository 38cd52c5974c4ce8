using VisionFactory.Domain.Datasets;

namespace VisionFactory.Domain.Tests.Datasets;

public sealed class StratifiedSplitterTests
{
    [Fact]
    public void SameSeedGivesTheSameSplitWhateverTheInputOrder()
    {
        var items = Enumerable.Range(0, 100).Select(i => ($"img{i}", i % 2)).ToList();
        var reversed = Enumerable.Reverse(items).ToList();

        var a = StratifiedSplitter.Assign(items, SplitPlan.Default);
        var b = StratifiedSplitter.Assign(reversed, SplitPlan.Default);

        Assert.Equal(a.OrderBy(p => p.Key).ToList(), b.OrderBy(p => p.Key).ToList());
    }

    [Fact]
    public void OtherSeedGivesAnotherSplit()
    {
        var items = Enumerable.Range(0, 100).Select(i => ($"img{i}", i % 2)).ToList();

        var a = StratifiedSplitter.Assign(items, SplitPlan.Default);
        var b = StratifiedSplitter.Assign(items, SplitPlan.Default with { Seed = 7 });

        Assert.NotEqual(a.OrderBy(p => p.Key).ToList(), b.OrderBy(p => p.Key).ToList());
    }

    [Fact]
    public void EveryClassKeepsThePlannedProportions()
    {
        var items = Enumerable.Range(0, 200).Select(i => ($"img{i}", i < 150 ? 0 : 1)).ToList();

        var splits = StratifiedSplitter.Assign(items, SplitPlan.Default);

        var major = items.Where(i => i.Item2 == 0).Select(i => splits[i.Item1]).ToList();
        var minor = items.Where(i => i.Item2 == 1).Select(i => splits[i.Item1]).ToList();
        Assert.Equal((104, 23, 23), Count(major));
        Assert.Equal((34, 8, 8), Count(minor));
    }

    [Fact]
    public void TinyClassStillGetsOneValidationAndOneTestImage()
    {
        var items = Enumerable.Range(0, 3).Select(i => ($"img{i}", 0)).ToList();

        var splits = StratifiedSplitter.Assign(items, SplitPlan.Default);

        Assert.Equal((1, 1, 1), Count(splits.Values.ToList()));
    }

    private static (int Train, int Validation, int Test) Count(List<Split> splits) =>
        (splits.Count(s => s == Split.Train), splits.Count(s => s == Split.Validation), splits.Count(s => s == Split.Test));
}
