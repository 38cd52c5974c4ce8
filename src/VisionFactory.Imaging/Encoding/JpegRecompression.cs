using System.Runtime.InteropServices;
using SkiaSharp;

namespace VisionFactory.Imaging.Encoding;

/// <summary>Square RGB pixels saved as a JPEG and read back: what a camera or a messaging app does to a photo.</summary>
public static class JpegRecompression
{
    /// <param name="rgb">Interleaved RGB, <paramref name="size"/>^2 * 3 bytes.</param>
    /// <param name="size">The side.</param>
    /// <param name="quality">JPEG quality, 1 (worst) .. 100.</param>
    /// <returns>New RGB pixels of the same size.</returns>
    public static byte[] RoundTrip(ReadOnlySpan<byte> rgb, int size, int quality)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        if (rgb.Length != size * size * 3)
        {
            throw new ArgumentException($"expected {size}x{size}x3 bytes, got {rgb.Length}", nameof(rgb));
        }

        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var target = MemoryMarshal.AsBytes(bitmap.GetPixelSpan());
        for (int i = 0, o = 0; i < rgb.Length; i += 3, o += 4)
        {
            target[o] = rgb[i];
            target[o + 1] = rgb[i + 1];
            target[o + 2] = rgb[i + 2];
            target[o + 3] = 255;
        }

        using var encoded = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality);
        using var decoded = SKBitmap.Decode(encoded, info)
            ?? throw new InvalidOperationException("a JPEG just encoded could not be decoded");
        var source = MemoryMarshal.AsBytes(decoded.GetPixelSpan());
        var result = new byte[rgb.Length];
        for (int i = 0, o = 0; o < result.Length; i += 4, o += 3)
        {
            result[o] = source[i];
            result[o + 1] = source[i + 1];
            result[o + 2] = source[i + 2];
        }

        return result;
    }
}
