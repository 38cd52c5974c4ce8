using VisionFactory.Imaging.Decoding;
using VisionFactory.Pipelines.Processors;
using VisionFactory.Testing;

namespace VisionFactory.Pipelines.Tests;

/// <summary>The heat-map check's face finder: YuNet on the square pictures an evaluation looks at.</summary>
public sealed class FaceLocatorTests
{
    [Fact]
    public void FindsTheFaceOfMaskedFaceCropsAndNoneInAPictureWithoutOne()
    {
        using var locator = new YuNetFaceLocator(SharedFiles.YuNet);
        Assert.Null(locator.Unavailable);
        var files = Directory.GetFiles(Path.Combine(SharedFiles.Masks, "with_mask")).Order(StringComparer.Ordinal).Take(5).ToList();

        var boxes = files.Select(f => locator.Locate(ImageDecoder.DecodeSquare(File.ReadAllBytes(f), 224, ImageLimits.Default, SquareFit.CenterCrop).Rgb, 224)).ToList();

        Assert.True(boxes.Count(b => b is not null) >= 4, $"{boxes.Count(b => b is not null)} of 5 faces found");
        Assert.All(boxes.OfType<VisionFactory.Domain.Models.HeatMaps.RegionBox>(), b =>
        {
            Assert.InRange(b.X, 0, 1);
            Assert.InRange(b.Y, 0, 1);
            Assert.InRange(b.Area, 0.02, 1);
        });
        var blank = ImageDecoder.DecodeSquare(SyntheticImages.Encode(0, 1, 64), 224, ImageLimits.Default, SquareFit.CenterCrop).Rgb;
        Assert.Null(locator.Locate(blank, 224));
    }

    [Fact]
    public void AMissingModelFileSaysWhyFacesAreNotLookedFor()
    {
        using var locator = new YuNetFaceLocator("/nonexistent/face_detection_yunet.onnx");

        Assert.Contains("does not exist", locator.Unavailable, StringComparison.Ordinal);
        Assert.Null(locator.Locate(new byte[32 * 32 * 3], 32));
    }
}
