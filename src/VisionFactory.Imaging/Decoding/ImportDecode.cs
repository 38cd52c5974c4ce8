using VisionFactory.Imaging.Thumbnails;

namespace VisionFactory.Imaging.Decoding;

/// <summary>One decode of an imported image giving both what training needs and what the image grid shows.</summary>
public static class ImportDecode
{
    /// <summary>
    /// The header, the square RGB pixels of <paramref name="size"/> (as <see cref="ImageDecoder.DecodeSquare"/> gives)
    /// and the JPEG thumbnail (as <see cref="ThumbnailCache.Make(byte[], ImageLimits)"/> gives), from a single decode.
    /// </summary>
    public static (ImageHeader Header, byte[] Rgb, byte[] Thumbnail) Decode(ReadOnlySpan<byte> encoded, int size, ImageLimits limits)
    {
        var (header, bitmap) = ImageDecoder.DecodeUpright(encoded, Math.Max(size, ThumbnailCache.Side), limits);
        using (bitmap)
        {
            return (header, ImageDecoder.ResizeToRgb(bitmap, size), ThumbnailCache.Make(bitmap));
        }
    }
}
