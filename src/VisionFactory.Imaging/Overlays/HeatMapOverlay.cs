using System.Runtime.InteropServices;
using SkiaSharp;

namespace VisionFactory.Imaging.Overlays;

/// <summary>
/// Draws a heat map (values 0..1 on a square grid) over a square RGB image as a PNG: cold blue through green and
/// yellow to hot red, blended with the image at the given opacity, the map smoothed to the image's size.
/// </summary>
public static class HeatMapOverlay
{
    /// <param name="rgb">The image: interleaved RGB, <paramref name="size"/> x <paramref name="size"/>.</param>
    /// <param name="size">The image's side.</param>
    /// <param name="heat">The map, <paramref name="heatSize"/> x <paramref name="heatSize"/>, row-major, in 0..1.</param>
    /// <param name="heatSize">The map's side.</param>
    /// <param name="opacity">How much of the colour covers the image where the map is hottest, 0..1.</param>
    public static byte[] RenderPng(ReadOnlySpan<byte> rgb, int size, ReadOnlySpan<float> heat, int heatSize, double opacity = 0.5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(heatSize, 1);
        if (rgb.Length != size * size * 3)
        {
            throw new ArgumentException($"expected {size * size * 3} RGB bytes, got {rgb.Length}", nameof(rgb));
        }

        if (heat.Length != heatSize * heatSize)
        {
            throw new ArgumentException($"expected {heatSize * heatSize} heat values, got {heat.Length}", nameof(heat));
        }

        var alpha = Math.Clamp(opacity, 0, 1);
        using var colours = new SKBitmap(new SKImageInfo(heatSize, heatSize, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var colourPixels = MemoryMarshal.Cast<byte, uint>(colours.GetPixelSpan());
        for (var i = 0; i < heat.Length; i++)
        {
            var (r, g, b) = Colour(heat[i]);
            colourPixels[i] = (uint)(r | (g << 8) | (b << 16) | (255 << 24));
        }

        using var scaled = colours.Resize(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None))
            ?? throw new InvalidOperationException("the heat map could not be scaled");
        using var output = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var source = MemoryMarshal.Cast<byte, uint>(scaled.GetPixelSpan());
        var target = MemoryMarshal.Cast<byte, uint>(output.GetPixelSpan());
        for (var i = 0; i < size * size; i++)
        {
            var c = source[i];
            var r = Blend(rgb[i * 3], (byte)c, alpha);
            var g = Blend(rgb[(i * 3) + 1], (byte)(c >> 8), alpha);
            var b = Blend(rgb[(i * 3) + 2], (byte)(c >> 16), alpha);
            target[i] = (uint)(r | (g << 8) | (b << 16) | (255 << 24));
        }

        using var image = SKImage.FromBitmap(output);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>The colour of a heat value: blue (0), cyan, green, yellow, red (1).</summary>
    public static (int R, int G, int B) Colour(float value)
    {
        var v = float.IsFinite(value) ? Math.Clamp(value, 0, 1) : 0;
        var r = Ramp(v, 0.5f, 0.75f);
        var g = v < 0.75f ? Ramp(v, 0f, 0.25f) : 1 - Ramp(v, 0.75f, 1f);
        var b = 1 - Ramp(v, 0.25f, 0.5f);
        return ((int)(r * 255), (int)(g * 255), (int)(b * 255));
    }

    private static float Ramp(float v, float from, float to) => Math.Clamp((v - from) / (to - from), 0, 1);

    private static int Blend(byte under, byte over, double alpha) => (int)Math.Round((under * (1 - alpha)) + (over * alpha));
}
