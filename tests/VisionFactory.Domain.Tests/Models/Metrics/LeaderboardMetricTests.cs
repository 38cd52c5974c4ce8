using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Models.Metrics;

namespace VisionFactory.Domain.Tests.Models.Metrics;

public sealed class LeaderboardMetricTests
{
    private static readonly ModelVersion Sharp = Model("m-sharp", accuracy: 0.9, loss: 0.3, latency: 12);
    private static readonly ModelVersion Quick = Model("m-quick", accuracy: 0.8, loss: 0.5, latency: 4);
    private static readonly ModelVersion Twin = Model("m-twin", accuracy: 0.9, loss: 0.4, latency: 20);
    private static readonly ModelVersion Unmeasured = new()
    {
        Id = "m-none", Spec = new TrainingSpec(), Classes = ["a", "b"], ArtifactSha256 = "x", CreatedAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void HigherIsBetterMetricsRankDescendingAndUnmeasuredModelsLast()
    {
        var ranked = LeaderboardMetric.Get("accuracy").Rank([Quick, Unmeasured, Sharp]);

        Assert.Equal(["m-sharp", "m-quick", "m-none"], ranked.Select(m => m.Id));
    }

    [Fact]
    public void LowerIsBetterMetricsRankAscending()
    {
        var ranked = LeaderboardMetric.Get("latency-ms").Rank([Sharp, Twin, Quick, Unmeasured]);

        Assert.Equal(["m-quick", "m-sharp", "m-twin", "m-none"], ranked.Select(m => m.Id));
    }

    [Fact]
    public void BestNamesEveryModelTiedForTheBestValue()
    {
        Assert.Equal(["m-sharp", "m-twin"], LeaderboardMetric.Get("accuracy").Best([Sharp, Quick, Twin, Unmeasured]));
        Assert.Equal(["m-sharp"], LeaderboardMetric.Get("loss").Best([Sharp, Quick, Twin]));
        Assert.Empty(LeaderboardMetric.Get("ece").Best([Unmeasured]));
    }

    [Fact]
    public void UnknownMetricNamesTheKnownOnes()
    {
        var problem = Assert.Throws<ProblemException>(() => LeaderboardMetric.Get("beauty"));

        Assert.Equal(ProblemKind.Invalid, problem.Kind);
        Assert.Contains("macro_f1", problem.Message, StringComparison.Ordinal);
    }

    private static ModelVersion Model(string id, double accuracy, double loss, double latency) => new()
    {
        Id = id,
        Spec = new TrainingSpec(),
        Classes = ["a", "b"],
        ArtifactSha256 = "x",
        CreatedAt = DateTimeOffset.UnixEpoch,
        Evaluation = new EvaluationReport
        {
            Split = "test", Images = 10, Accuracy = accuracy, Loss = loss, MacroF1 = accuracy, PerClass = [], ConfusionMatrix = [], Classes = ["a", "b"],
            LatencyMsPerImage = latency,
        },
    };
}
