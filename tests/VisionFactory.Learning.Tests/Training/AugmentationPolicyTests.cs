using VisionFactory.Learning.Augmentation;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Native;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Training;

public sealed class AugmentationPolicyTests
{
    private const int Images = 6;
    private const int Size = 32;

    public AugmentationPolicyTests() => TorchNativeLibrary.EnsureLoaded();

    public static TheoryData<string, AugmentationPolicy> EachAugmentation => new()
    {
        { "rotation", new AugmentationPolicy { RotationDegrees = 30 } },
        { "crop", new AugmentationPolicy { CropMinScale = 0.5 } },
        { "colour jitter", new AugmentationPolicy { ColorJitter = 0.4 } },
        { "all", new AugmentationPolicy { HorizontalFlip = true, RotationDegrees = 30, CropMinScale = 0.5, ColorJitter = 0.4 } },
    };

    [Theory]
    [MemberData(nameof(EachAugmentation))]
    public void AugmentationChangesEveryImageButKeepsShapeAndRange(string name, AugmentationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        using var scope = NewDisposeScope();
        var batch = Batch();
        var draws = policy.Draw(new StableRandom(5, name.Length), Images);

        var augmented = AugmentationPolicy.Apply(batch, draws, bgr: false);

        Assert.Equal(batch.shape, augmented.shape);
        Assert.True(augmented.min().item<float>() >= 0, $"{name} made values below 0");
        Assert.True(augmented.max().item<float>() <= 255, $"{name} made values above 255");
        var changed = (augmented - batch).abs().amax([1, 2, 3]);
        Assert.All(changed.data<float>().ToArray(), c => Assert.True(c > 1, $"{name} left an image unchanged"));
    }

    [Fact]
    public void NothingOnLeavesTheBatchExactlyAsItIs()
    {
        using var scope = NewDisposeScope();
        var batch = Batch();
        var draws = AugmentationPolicy.None.Draw(new StableRandom(1), Images);

        var augmented = AugmentationPolicy.Apply(batch, draws, bgr: false);

        Assert.All(draws, d => Assert.Equal(ImageAugmentation.None, d));
        Assert.True(augmented.equal(batch).all().item<bool>());
    }

    [Fact]
    public void SameKeyDrawsTheSameAugmentations()
    {
        var policy = new AugmentationPolicy { HorizontalFlip = true, RotationDegrees = 20, CropMinScale = 0.3, ColorJitter = 0.5 };

        var first = policy.Draw(new StableRandom(42, 2, 1, 0), Images);
        var again = policy.Draw(new StableRandom(42, 2, 1, 0), Images);
        var nextStep = policy.Draw(new StableRandom(42, 2, 1, 1), Images);

        Assert.Equal(first, again);
        Assert.NotEqual(first, nextStep);
    }

    [Fact]
    public void CropsKeepTheirAreaAndAspectInRangeAndStayInsideTheImage()
    {
        var policy = new AugmentationPolicy { CropMinScale = 0.25 };

        var draws = policy.Draw(new StableRandom(3), 500);

        Assert.All(draws, d =>
        {
            Assert.InRange(d.CropWidth * d.CropHeight, 0.25 - 1e-9, 1);
            Assert.True(Math.Abs(d.CropCenterX) + d.CropWidth <= 1 + 1e-9, "crop leaves the image horizontally");
            Assert.True(Math.Abs(d.CropCenterY) + d.CropHeight <= 1 + 1e-9, "crop leaves the image vertically");
            if (d.CropWidth < 1 && d.CropHeight < 1)
            {
                Assert.InRange(d.CropWidth / d.CropHeight, AugmentationPolicy.MinCropAspect - 1e-9, AugmentationPolicy.MaxCropAspect + 1e-9);
            }
        });
    }

    [Fact]
    public void RotationTurnsTheImageAboutItsCentreAndBlackensTheUncoveredCorners()
    {
        using var scope = NewDisposeScope();
        var white = full(1, 3, Size, Size, 255f);
        var quarterTurn = new[] { ImageAugmentation.None with { RotationDegrees = 45 } };

        var rotated = AugmentationPolicy.Apply(white, quarterTurn, bgr: false);

        Assert.Equal(255f, rotated[0, 0, Size / 2, Size / 2].item<float>(), 3);
        Assert.Equal(0f, rotated[0, 0, 0, 0].item<float>(), 3);
    }

    [Fact]
    public void GeometryIsTorchAffineGridFollowedByBilinearSampling()
    {
        using var scope = NewDisposeScope();
        var batch = Batch();
        var draws = new AugmentationPolicy { RotationDegrees = 40, CropMinScale = 0.3 }.Draw(new StableRandom(9), Images);
        var theta = tensor(
            draws.SelectMany(d =>
            {
                var (sin, cos) = Math.SinCos(d.RotationDegrees * Math.PI / 180);
                return new[] { d.CropWidth * cos, -d.CropWidth * sin, d.CropCenterX, d.CropHeight * sin, d.CropHeight * cos, d.CropCenterY };
            }).Select(v => (float)v).ToArray(),
            [Images, 2, 3]);
        var grid = nn.functional.affine_grid(theta, [Images, 3, Size, Size], align_corners: false);
        var expected = nn.functional.grid_sample(batch, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);

        var augmented = AugmentationPolicy.Apply(batch, draws, bgr: false);

        Assert.True((augmented - expected).abs().max().item<float>() < 1e-3);
    }

    [Fact]
    public void CropOfTheLeftHalfMagnifiesIt()
    {
        using var scope = NewDisposeScope();
        var ramp = arange(Size, dtype: ScalarType.Float32).expand(1, 3, Size, Size).contiguous() * 8;
        var leftHalf = new[] { ImageAugmentation.None with { CropWidth = 0.5, CropCenterX = -0.5 } };

        var cropped = AugmentationPolicy.Apply(ramp, leftHalf, bgr: false);

        Assert.True(cropped[0, 0, 0, -1].item<float>() < 8 * Size / 2, "the right edge shows the middle of the image");
        Assert.True(cropped[0, 0, 0, 1].item<float>() - cropped[0, 0, 0, 0].item<float>() < 8, "pixels are spread over twice the width");
    }

    [Fact]
    public void BrightnessScalesPixelsAndSaturationZeroGivesGrey()
    {
        using var scope = NewDisposeScope();
        var batch = Batch();
        var darker = new[] { ImageAugmentation.None with { Brightness = 0.5 } };
        var grey = new[] { ImageAugmentation.None with { Saturation = 0 } };

        var dimmed = AugmentationPolicy.Apply(batch[..1], darker, bgr: false);
        var desaturated = AugmentationPolicy.Apply(batch[..1], grey, bgr: false);

        Assert.True((dimmed - (batch[..1] * 0.5)).abs().max().item<float>() < 1e-3);
        Assert.True((desaturated[0, 0] - desaturated[0, 1]).abs().max().item<float>() < 1e-3);
        Assert.True((desaturated[0, 1] - desaturated[0, 2]).abs().max().item<float>() < 1e-3);
    }

    // Random colours with structure, so that every augmentation visibly changes every image.
    private static Tensor Batch()
    {
        var generator = new Generator(11);
        var noise = rand([Images, 3, Size, Size], generator: generator) * 255;
        var stripes = (arange(Size, dtype: ScalarType.Float32) % 8 < 4).to_type(ScalarType.Float32).expand(Images, 3, Size, Size) * 60;
        return (noise * 0.7 + stripes).clamp(0, 255);
    }
}
