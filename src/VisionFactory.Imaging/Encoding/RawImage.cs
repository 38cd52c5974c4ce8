using SkiaSharp;

namespace VisionFactory.Imaging.Encoding;

/// <summary>Encodes raw pixel arrays (as stored by CIFAR, MNIST and satellite chips) into PNG files.</summary>
public static class RawImage
{
    /// <summary>
    /// Encodes <paramref name="pixels"/>, <paramref name="channels"/> bytes per pixel (1: grey, 3: RGB), row after row,
    /// as a lossless PNG.
    /// </summary>
    public static byte[] EncodePng(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (channels is not (1 or 3) || pixels.Length != width * height * channels)
        {
            throw new ArgumentException($"expected {width}x{height}x{channels} bytes, got {pixels.Length}", nameof(pixels));
        }

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var target = bitmap.GetPixelSpan();
        for (int i = 0, o = 0; i < pixels.Length; i += channels, o += 4)
        {
            target[o] = pixels[i];
            target[o + 1] = pixels[channels == 1 ? i : i + 1];
            target[o + 2] = pixels[channels == 1 ? i : i + 2];
            target[o + 3] = 255;
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
