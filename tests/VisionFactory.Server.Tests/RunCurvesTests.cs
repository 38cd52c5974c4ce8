using VisionFactory.Domain.Runs;
using VisionFactory.Server.Components.Pages.Factory;

namespace VisionFactory.Server.Tests;

/// <summary>The run page's three charts share one epoch axis: step points at their share of their epoch, validation at its end; accuracy stays a share (the chart labels it in percent).</summary>
public sealed class RunCurvesTests
{
    [Fact]
    public void StepAndEpochPointsShareTheEpochAxis()
    {
        // Epoch 2 is halfway: its step count is known from the run's progress, not yet from an epoch point.
        var curves = new RunCurves { PlannedEpochs = 2, CurrentEpoch = (2, 10) };
        curves.Add(
        [
            Step(1, 1, 5, loss: 2.0), Step(2, 1, 10, loss: 1.5), Epoch(3, 1, 10, validationLoss: 1.6), Step(4, 2, 5, loss: 1.0),
        ]);

        var loss = curves.Loss();

        Assert.Equal(2, curves.AxisEpochs);
        var train = loss.Series.Single(s => s.Name == "train loss");
        var validation = loss.Series.Single(s => s.Name == "validation loss");
        Assert.Equal([0.5, 1.0, 1.5], train.X);
        Assert.Equal([2.0, 1.5, 1.0], train.Y);
        Assert.Equal([1.0], validation.X);
        Assert.Equal([1.6], validation.Y);
        Assert.Equal(4, loss.Points);
    }

    [Fact]
    public void APointSeenAgainIsNotAddedTwiceAndAccuracyIsPlottedInPercent()
    {
        var curves = new RunCurves { PlannedEpochs = 1 };
        var point = Epoch(7, 1, 4, validationLoss: 0.5);

        Assert.True(curves.Add([point]));
        Assert.False(curves.Add([point]));

        var accuracy = curves.Accuracy();
        Assert.Equal([0.6], accuracy.Series.Single(s => s.Name == "train accuracy").Y);
        Assert.Equal([0.7], accuracy.Series.Single(s => s.Name == "validation accuracy").Y);
        Assert.Equal(2, accuracy.Points);
        Assert.Single(curves.LearningRate().Series);
    }

    [Fact]
    public void ARunWithoutPointsHasEmptyCharts()
    {
        var curves = new RunCurves { PlannedEpochs = 60 };

        Assert.Empty(curves.Loss().Series);
        Assert.Equal(0, curves.Accuracy().Points);
    }

    private static MetricPoint Step(long id, int epoch, int step, double loss) => new()
    {
        Id = id, RunId = "r-1", Kind = MetricKind.Step, Epoch = epoch, Step = step, TrainLoss = loss, TrainAccuracy = 0.5, LearningRate = 0.01,
    };

    private static MetricPoint Epoch(long id, int epoch, int steps, double validationLoss) => new()
    {
        Id = id, RunId = "r-1", Kind = MetricKind.Epoch, Epoch = epoch, Step = steps, TrainLoss = 1.4, TrainAccuracy = 0.6,
        ValidationLoss = validationLoss, ValidationAccuracy = 0.7, LearningRate = 0.005,
    };
}
