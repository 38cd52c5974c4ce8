using VisionFactory.Domain;
using VisionFactory.Factory.Models;

namespace VisionFactory.Factory.Tests;

/// <summary>The INT8 gate's verdict: a set that loses more than the allowed points refuses the export and says where and by how much.</summary>
public sealed class Int8GateTests
{
    [Fact]
    public void ASetThatLosesMoreThanHalfAPointRefusesTheExportNamingItAndTheDrop()
    {
        Int8Figures[] figures =
        [
            new("test split of masks v1", 200, 0.995, 0.995),
            new("masks-real v1", 1000, 0.960, 0.951),
        ];

        var refusal = Assert.Throws<ProblemException>(() => Int8Gate.Check(figures, Int8Gate.MaxDropPoints));

        Assert.Contains("masks-real v1 (1000 images)", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("from 96.0% to 95.1%, 0.9 points", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("without --int8", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DropsWithinHalfAPointAndGainsPass()
    {
        Int8Figures[] figures = [new("test split of masks v1", 200, 0.995, 0.990), new("masks-real v1", 1000, 0.950, 0.953)];

        Int8Gate.Check(figures, Int8Gate.MaxDropPoints);

        Assert.Equal(0.5, figures[0].DropPoints, 6);
        Assert.Equal(-0.3, figures[1].DropPoints, 6);
    }
}
