using VisionFactory.Datasets.Review;

namespace VisionFactory.Datasets.Tests.Review;

public sealed class ConfidentLearningTests
{
    private static readonly double[] UnsureSquare = [0.4, 0.6];

    [Fact]
    public void FlippedLabelIsTheOnlyIssueWithTheRightSuggestion()
    {
        // Three classes; the model is confident and right about everything, and image 7 (truly class 2) is labelled 0.
        var labels = Enumerable.Range(0, 30).Select(i => i % 3).ToArray();
        var probabilities = labels.Select(l => Enumerable.Range(0, 3).Select(c => c == l ? 0.9 : 0.05).ToArray()).ToArray();
        probabilities[7] = [0.05, 0.0, 0.95];
        labels[7] = 0;

        var result = ConfidentLearning.Find(probabilities, labels, 3);

        var issue = Assert.Single(result.Issues);
        Assert.Equal(7, issue.Index);
        Assert.Equal(2, issue.Suggested);
        Assert.Equal(0.9, issue.Margin, 6);
        Assert.Equal(1, result.Joint[0, 2]);
    }

    [Fact]
    public void UnsureButRightModelFindsNoIssues()
    {
        var labels = Enumerable.Range(0, 40).Select(i => i % 2).ToArray();
        var probabilities = labels.Select((l, i) => l == 0 ? [0.55 + (i % 5 * 0.01), 0.45 - (i % 5 * 0.01)] : UnsureSquare.ToArray()).ToArray();

        Assert.Empty(ConfidentLearning.Find(probabilities, labels, 2).Issues);
    }

    [Fact]
    public void IssuesAreRankedByMargin()
    {
        int[] labels = [0, 0, 0, 0, 1, 1, 1, 1];
        double[][] probabilities =
        [
            [0.9, 0.1], [0.9, 0.1], [0.1, 0.9], [0.05, 0.95],
            [0.1, 0.9], [0.1, 0.9], [0.1, 0.9], [0.2, 0.8],
        ];

        var issues = ConfidentLearning.Find(probabilities, labels, 2).Issues;

        Assert.Equal([3, 2], issues.Select(i => i.Index));
    }
}
