using VisionFactory.Domain.Models;
using VisionFactory.Imaging.Encoding;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Robustness;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Robustness;

public sealed class LabelPreservingChangesTests
{
    private const int Images = 4;
    private const int Size = 32;

    public LabelPreservingChangesTests() => TorchNativeLibrary.EnsureLoaded();

    public static TheoryData<StressChangeKind> TensorChanges =>
        [.. StressChange.All.Select(c => c.Kind).Where(k => k != StressChangeKind.Jpeg)];

    [Fact]
    public void GreyscaleGivesEqualChannels()
    {
        using var scope = NewDisposeScope();
        var grey = LabelPreservingChanges.Greyscale(Batch(), bgr: false);

        Assert.Equal(0f, (grey[.., 0] - grey[.., 1]).abs().max().item<float>());
        Assert.Equal(0f, (grey[.., 1] - grey[.., 2]).abs().max().item<float>());
    }

    [Fact]
    public void HueRotationByNothingOrAFullTurnIsTheIdentityAndKeepsGreysGrey()
    {
        using var scope = NewDisposeScope();
        var batch = Batch();

        var none = LabelPreservingChanges.RotateHue(batch, [0, 0, 0, 0], bgr: false);
        var full = LabelPreservingChanges.RotateHue(batch, [360, -360, 360, 360], bgr: true);
        var half = LabelPreservingChanges.RotateHue(batch, [180, 180, 180, 180], bgr: false);
        var grey = full_like(batch, 100);
        var greyRotated = LabelPreservingChanges.RotateHue(grey, [123, 45, 180, 90], bgr: false);

        Assert.True((none - batch).abs().max().item<float>() < 0.01f);
        Assert.True((full - batch).abs().max().item<float>() < 0.01f);
        Assert.True((half - batch).abs().max().item<float>() > 50, "a half turn left the colours as they were");
        Assert.True((greyRotated - grey).abs().max().item<float>() < 0.01f);
    }

    [Fact]
    public void HueRotationTurnsAnOrangePatchBlueishAtTheSameBrightness()
    {
        using var scope = NewDisposeScope();
        var orange = tensor(new float[] { 230, 120, 20 }, [1, 3, 1, 1]).expand(1, 3, 2, 2).contiguous();

        var turned = LabelPreservingChanges.RotateHue(orange, [180], bgr: false);

        var (r, g, b) = (turned[0, 0, 0, 0].item<float>(), turned[0, 1, 0, 0].item<float>(), turned[0, 2, 0, 0].item<float>());
        Assert.True(b > r, $"rotated orange is ({r}, {g}, {b}), not blueish");
        static double Luminance(float r, float g, float b) => (0.213 * r) + (0.715 * g) + (0.072 * b);
        Assert.Equal(Luminance(230, 120, 20), Luminance(r, g, b), 0);
    }

    [Theory]
    [MemberData(nameof(TensorChanges))]
    public void EveryChangeKeepsShapeAndRangeChangesTheImageAndRepeatsExactly(StressChangeKind kind)
    {
        using var scope = NewDisposeScope();
        var batch = Batch();
        long[] keys = [11, 22, 33, 44];

        var first = LabelPreservingChanges.Apply(batch, kind, keys, seed: 19, bgr: false);
        var again = LabelPreservingChanges.Apply(batch.clone(), kind, keys, seed: 19, bgr: false);

        Assert.Equal(batch.shape, first.shape);
        Assert.True(first.min().item<float>() >= -0.01f && first.max().item<float>() <= 255.01f, $"{kind} left the 0..255 range");
        Assert.True((first - batch).abs().amax([1, 2, 3]).min().item<float>() > 1, $"{kind} left an image unchanged");
        Assert.Equal(0f, (first - again).abs().max().item<float>());
    }

    [Fact]
    public void JpegRoundTripKeepsThePictureButNotEveryPixel()
    {
        var rgb = new byte[Size * Size * 3];
        var random = new Random(3);
        for (var i = 0; i < rgb.Length; i += 3)
        {
            var inside = (i / 3 % Size) < Size / 2;
            (rgb[i], rgb[i + 1], rgb[i + 2]) = inside ? ((byte)200, (byte)60, (byte)40) : ((byte)30, (byte)90, (byte)(180 + random.Next(40)));
        }

        var saved = LabelPreservingChanges.ApplyToPixels(rgb, Size, StressChangeKind.Jpeg);

        var meanDifference = rgb.Zip(saved, (a, b) => Math.Abs(a - b)).Average();
        Assert.InRange(meanDifference, 0.5, 20);
        Assert.Equal(rgb.Length, JpegRecompression.RoundTrip(rgb, Size, 90).Length);
    }

    // Four images of coloured squares on coloured backgrounds, values 0..255.
    private static Tensor Batch()
    {
        var data = new float[Images * 3 * Size * Size];
        var random = new Random(7);
        for (var n = 0; n < Images; n++)
        {
            var background = new[] { random.Next(40, 200), random.Next(40, 200), random.Next(40, 200) };
            var shape = new[] { random.Next(0, 255), random.Next(0, 255), random.Next(0, 255) };
            for (var c = 0; c < 3; c++)
            {
                for (var y = 0; y < Size; y++)
                {
                    for (var x = 0; x < Size; x++)
                    {
                        var inside = x is >= 8 and < 24 && y is >= 8 and < 24;
                        data[(((n * 3) + c) * Size * Size) + (y * Size) + x] = (inside ? shape[c] : background[c]) + random.Next(-10, 10);
                    }
                }
            }
        }

        return tensor(data, [Images, 3, Size, Size]).clamp(0, 255);
    }
}
