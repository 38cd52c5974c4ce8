using VisionFactory.Domain.Models.HeatMaps;

namespace VisionFactory.Domain.Tests.Models.HeatMaps;

/// <summary>The heat-map check's figures on maps made by hand.</summary>
public sealed class HeatMapFiguresTests
{
    private const int Side = 28;

    [Fact]
    public void FaceShareCountsCellsByTheirOverlapWithTheBox()
    {
        // Evidence spread evenly: the share inside is the box's area.
        var even = HeatMapFigures.ToDistribution(Enumerable.Repeat(1f, 4 * 4).ToArray())!;
        Assert.Equal(0.25, HeatMapFigures.FaceShare(even, 4, new RegionBox(0.25, 0.25, 0.5, 0.5)), 12);

        // All evidence in the top-left cell; a box covering half of that cell holds half of it.
        var corner = new float[16];
        corner[0] = 3;
        var distribution = HeatMapFigures.ToDistribution(corner)!;
        Assert.Equal(0.5, HeatMapFigures.FaceShare(distribution, 4, new RegionBox(0, 0, 0.125, 0.25)), 12);
        Assert.Equal(0, HeatMapFigures.FaceShare(distribution, 4, new RegionBox(0.3, 0.3, 0.7, 0.7)), 12);
    }

    [Fact]
    public void MapsWithoutEvidenceAreLeftOutAndNegativeValuesCountAsNone()
    {
        Assert.Null(HeatMapFigures.ToDistribution(new float[9]));
        Assert.Null(HeatMapFigures.ToDistribution([-1f, 0f, float.NaN]));
        Assert.Equal([0f, 0.25f, 0.75f], HeatMapFigures.ToDistribution([-5f, 1f, 3f])!);
    }

    [Fact]
    public void PoolingSumsCellsAndKeepsTheTotal()
    {
        var map = Enumerable.Range(0, Side * Side).Select(i => (float)i).ToArray();
        var pooled = HeatMapFigures.Pool(map, Side, 14);

        Assert.Equal(map.Sum(), pooled.Sum(), 0);
        Assert.Equal(0 + 1 + Side + Side + 1, pooled[0]);
    }

    [Fact]
    public void PeaksInOneCornerAreConcentratedAndPeaksSpreadOverTheFrameAreNot()
    {
        List<(int, int)> corner = [(0, 0), (1, 1), (0, 2), (2, 0), (1, 0), (5, 9)];
        var (share, x, y) = HeatMapFigures.PeakConcentration(corner, 14, 3);
        Assert.Equal(5 / 6.0, share, 12);
        // The five peaks in the window lie at columns 0, 1, 2, 0, 0 and rows 0, 1, 0, 2, 1 (cell centres at +0.5).
        Assert.Equal(1.1 / 14, x, 12);
        Assert.Equal(1.3 / 14, y, 12);
        Assert.Equal("top-left corner", HeatMapFigures.RegionName(x, y));

        List<(int, int)> spread = [(0, 0), (0, 7), (0, 13), (7, 0), (7, 7), (7, 13), (13, 0), (13, 7), (13, 13)];
        Assert.Equal(1 / 9.0, HeatMapFigures.PeakConcentration(spread, 14, 3).Share, 12);
    }

    [Theory]
    [InlineData(0.5, 0.5, "centre")]
    [InlineData(0.1, 0.1, "top-left corner")]
    [InlineData(0.9, 0.5, "right edge")]
    [InlineData(0.5, 0.95, "bottom edge")]
    [InlineData(0.8, 0.9, "bottom-right corner")]
    public void RegionsAreNamedByTheThirdsOfTheFrame(double x, double y, string name) =>
        Assert.Equal(name, HeatMapFigures.RegionName(x, y));

    [Fact]
    public void ACornerSpotInEveryImageOfAClassIsWarnedAbout()
    {
        // Class 0: every image's evidence is a spot in the bottom-right corner; class 1: a spot that moves along the diagonal.
        var maps = Enumerable.Range(0, 10).Select(i => new SampledHeatMap(0, Spot(25, 26), Side, null))
            .Concat(Enumerable.Range(0, 10).Select(i => new SampledHeatMap(1, Spot(2 + (i * 2), 3 + (i * 2)), Side, null)))
            .ToList();

        var check = HeatMapFigures.Build(["marked", "plain"], maps, "cam", "layer4", facesChecked: false);

        Assert.Null(check.Faces);
        Assert.Equal(1.0, check.Classes[0].PeakConcentration);
        Assert.Equal("bottom-right corner", check.Classes[0].PeakRegion);
        Assert.True(check.Classes[1].PeakConcentration < HeatMapThresholds.FixedRegionShare);
        var warning = Assert.Single(check.Warnings);
        Assert.Contains("'marked'", warning, StringComparison.Ordinal);
        Assert.Contains("bottom-right corner", warning, StringComparison.Ordinal);
        Assert.Equal(1f, check.Classes[0].MeanMap.Max());
        Assert.Equal(HeatMapThresholds.GridSize * HeatMapThresholds.GridSize, check.Classes[0].MeanMap.Length);
    }

    [Fact]
    public void AFixedSpotInTheCentreOrInTooFewImagesIsNoWarning()
    {
        var centre = Enumerable.Range(0, 10).Select(_ => new SampledHeatMap(0, Spot(14, 14), Side, null));
        var few = Enumerable.Range(0, HeatMapThresholds.MinimumImages - 1).Select(_ => new SampledHeatMap(1, Spot(0, 0), Side, null));

        var check = HeatMapFigures.Build(["centred", "rare"], [.. centre, .. few], "cam", "layer4", facesChecked: false);

        Assert.Equal(1.0, check.Classes[0].PeakConcentration);
        Assert.Equal(1.0, check.Classes[1].PeakConcentration);
        Assert.Empty(check.Warnings);
    }

    [Fact]
    public void EvidenceBesideTheFaceIsWarnedAboutInADatasetOfFaces()
    {
        // The face fills the middle of every picture; class 0 looks at it, class 1 at the background beside it.
        var face = new RegionBox(0.3, 0.3, 0.4, 0.4);
        var maps = Enumerable.Range(0, 10).Select(i => new SampledHeatMap(0, Spot(13 + (i % 3), 13), Side, face))
            .Concat(Enumerable.Range(0, 10).Select(i => new SampledHeatMap(1, Spot(3 + (i * 2), 2), Side, face)))
            .ToList();

        var check = HeatMapFigures.Build(["looks", "beside"], maps, "gradcam", "features", facesChecked: true);

        Assert.True(check.Faces);
        Assert.Equal(1.0, check.FaceImageShare);
        Assert.Equal(1.0, check.Classes[0].FaceShare!.Value, 6);
        Assert.Equal(0.0, check.Classes[1].FaceShare!.Value, 6);
        Assert.Equal(0.16, check.Classes[1].FaceArea!.Value, 6);
        var warning = Assert.Single(check.Warnings);
        Assert.Contains("'beside'", warning, StringComparison.Ordinal);
        Assert.Contains("face", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void AFixedSpotOnTheFacesOfFaceCropsIsTheObjectNotAWarning()
    {
        // Face crops: the face fills the lower two thirds of every picture and each image's evidence is the mouth,
        // always in the same place near the bottom edge.
        var face = new RegionBox(0.15, 0.3, 0.7, 0.7);
        var mouth = Enumerable.Range(0, 10).Select(_ => Spot(24, 13)).ToList();

        var faces = HeatMapFigures.Build(["no_mask"], [.. mouth.Select(m => new SampledHeatMap(0, m, Side, face))], "cam", "layer4", facesChecked: true);
        var unknown = HeatMapFigures.Build(["no_mask"], [.. mouth.Select(m => new SampledHeatMap(0, m, Side, null))], "cam", "layer4", facesChecked: false);

        Assert.Equal(1.0, faces.Classes[0].PeakConcentration);
        Assert.Equal("bottom edge", faces.Classes[0].PeakRegion);
        Assert.True(faces.Classes[0].FaceShare > HeatMapThresholds.MinimumFaceShare);
        Assert.Empty(faces.Warnings);
        Assert.Contains("fixed spot near the bottom edge", Assert.Single(unknown.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void WhereFewImagesShowAFaceTheDatasetIsNotOneOfFaces()
    {
        var maps = Enumerable.Range(0, 10).Select(i => new SampledHeatMap(0, Spot(3 + (i * 2), 2), Side, i < 3 ? new RegionBox(0.3, 0.3, 0.4, 0.4) : null)).ToList();

        var check = HeatMapFigures.Build(["things"], maps, "cam", "layer4", facesChecked: true);

        Assert.False(check.Faces);
        Assert.Equal(0.3, check.FaceImageShare!.Value, 12);
        Assert.Null(check.Classes[0].FaceShare);
        Assert.Empty(check.Warnings);
    }

    // Evidence in one 2 x 2 block of the working grid, top-left cell at (row, column).
    private static float[] Spot(int row, int column)
    {
        var map = new float[Side * Side];
        for (var r = row; r < Math.Min(Side, row + 2); r++)
        {
            for (var c = column; c < Math.Min(Side, column + 2); c++)
            {
                map[(r * Side) + c] = 1;
            }
        }

        return map;
    }
}
