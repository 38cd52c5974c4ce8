using SkiaSharp;
using VisionFactory.Imaging.Overlays;

namespace VisionFactory.Imaging.Tests.Overlays;

public sealed class HeatMapOverlayTests
{
    [Fact]
    public void ColoursRunFromBlueThroughGreenToRed()
    {
        Assert.Equal((0, 0, 255), HeatMapOverlay.Colour(0));
        Assert.Equal((0, 255, 0), HeatMapOverlay.Colour(0.5f));
        Assert.Equal((255, 0, 0), HeatMapOverlay.Colour(1));
        Assert.Equal((0, 0, 255), HeatMapOverlay.Colour(float.NaN));
    }

    [Fact]
    public void OverlayIsAPngOfTheImageSizeWithHeatWhereTheMapIsHot()
    {
        const int size = 64;
        var grey = Enumerable.Repeat((byte)128, size * size * 3).ToArray();
        var heat = new float[4 * 4];
        heat[0] = 1;   // hot top-left cell, cold elsewhere

        var png = HeatMapOverlay.RenderPng(grey, size, heat, 4, opacity: 1);

        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal((size, size), (bitmap.Width, bitmap.Height));
        var hot = bitmap.GetPixel(2, 2);
        var cold = bitmap.GetPixel(size - 3, size - 3);
        Assert.True(hot.Red > 200 && hot.Blue < 60, $"the hot corner is {hot}");
        Assert.True(cold.Blue > 200 && cold.Red < 60, $"the cold corner is {cold}");
    }

    [Fact]
    public void ZeroOpacityLeavesTheImageUnchanged()
    {
        var rgb = Enumerable.Range(0, 8 * 8 * 3).Select(i => (byte)(i * 7)).ToArray();

        var png = HeatMapOverlay.RenderPng(rgb, 8, new float[4], 2, opacity: 0);

        using var bitmap = SKBitmap.Decode(png);
        var pixel = bitmap.GetPixel(3, 5);
        var at = ((5 * 8) + 3) * 3;
        Assert.Equal((rgb[at], rgb[at + 1], rgb[at + 2]), (pixel.Red, pixel.Green, pixel.Blue));
    }

    [Fact]
    public void WrongSizesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => HeatMapOverlay.RenderPng(new byte[10], 8, new float[4], 2));
        Assert.Throws<ArgumentException>(() => HeatMapOverlay.RenderPng(new byte[8 * 8 * 3], 8, new float[5], 2));
    }
}
