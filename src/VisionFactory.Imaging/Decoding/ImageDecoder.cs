using System.Runtime.InteropServices;
using SkiaSharp;

namespace VisionFactory.Imaging.Decoding;

/// <summary>
/// Decodes encoded images (JPEG, PNG, WebP, GIF, BMP) into square RGB pixel buffers of a requested size.
/// Dimensions are checked from the header against <see cref="ImageLimits"/> before any pixels are allocated,
/// and large JPEGs are decoded directly at a reduced scale.
/// </summary>
public static class ImageDecoder
{
    /// <summary>
    /// Decodes the whole image once (proving it is intact) and returns its header together with RGB pixels
    /// resized to <paramref name="size"/> x <paramref name="size"/>, made square as <paramref name="fit"/> says
    /// (by default stretched: the aspect ratio is not kept and the whole image is seen).
    /// </summary>
    public static (ImageHeader Header, byte[] Rgb) DecodeSquare(
        ReadOnlySpan<byte> encoded, int size, ImageLimits limits, SquareFit fit = SquareFit.Stretch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        using var codec = OpenCodec(encoded, limits);
        var header = HeaderOf(codec);
        using var decoded = DecodeScaled(codec, size);
        using var oriented = ApplyOrigin(decoded, codec.EncodedOrigin);
        return (header, ResizeToRgb(oriented ?? decoded, size, fit));
    }

    /// <summary>
    /// Decodes the image upright (EXIF orientation applied), at the smallest scale the codec offers that keeps the
    /// sides at least <paramref name="size"/> (or the full image when it is smaller), within the limits. The caller
    /// disposes the bitmap.
    /// </summary>
    public static (ImageHeader Header, SKBitmap Bitmap) DecodeUpright(ReadOnlySpan<byte> encoded, int size, ImageLimits limits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        using var codec = OpenCodec(encoded, limits);
        var header = HeaderOf(codec);
        var decoded = DecodeScaled(codec, size);
        var oriented = ApplyOrigin(decoded, codec.EncodedOrigin);
        if (oriented is null)
        {
            return (header, decoded);
        }

        decoded.Dispose();
        return (header, oriented);
    }

    private static SKCodec OpenCodec(ReadOnlySpan<byte> encoded, ImageLimits limits)
    {
        if (encoded.Length == 0)
        {
            throw new ImageRejectedException("the file is empty");
        }

        if (encoded.Length > limits.MaxFileBytes)
        {
            throw new ImageRejectedException(
                $"the file is {encoded.Length / 1048576.0:0.#} MiB; the limit is {limits.MaxFileBytes / 1048576.0:0.#} MiB");
        }

        // The codec takes ownership of the stream and disposes it with itself.
        var codec = SKCodec.Create(new MemoryStream(encoded.ToArray(), writable: false), out var result);
        if (codec is null)
        {
            if (ClaimedSize.Read(encoded) is var (claimedWidth, claimedHeight))
            {
                CheckSize(claimedWidth, claimedHeight, limits);
            }

            throw new ImageRejectedException(result == SKCodecResult.Unimplemented
                ? "not an image in a supported format (JPEG, PNG, WebP, GIF, BMP)"
                : $"not a readable image ({Describe(result)})");
        }

        try
        {
            CheckSize(codec.Info.Width, codec.Info.Height, limits);
        }
        catch (ImageRejectedException)
        {
            codec.Dispose();
            throw;
        }

        return codec;
    }

    private static void CheckSize(long width, long height, ImageLimits limits)
    {
        if (width < limits.MinSide || height < limits.MinSide)
        {
            throw new ImageRejectedException(
                $"the image is {width}x{height}; each side must be at least {limits.MinSide} pixels");
        }

        if (width * height > limits.MaxPixels)
        {
            throw new ImageRejectedException(
                $"the image is {width}x{height}, larger than the {limits.MaxPixels / 1e6:0.#} megapixel limit");
        }
    }

    private static ImageHeader HeaderOf(SKCodec codec) =>
        new(codec.Info.Width, codec.Info.Height, codec.EncodedFormat.ToString().ToLowerInvariant());

    private static SKBitmap DecodeScaled(SKCodec codec, int size)
    {
        // JPEG decoders can scale by 1/2, 1/4, 1/8 while decoding; ask for the smallest scale that keeps
        // at least the target resolution, so a 12-megapixel photo is never fully expanded for a 224-pixel model.
        var full = codec.Info;
        var scale = Math.Min(1f, Math.Max((float)size / full.Width, (float)size / full.Height));
        var dims = codec.GetScaledDimensions(scale);
        if (dims.Width < size && dims.Height < size)
        {
            dims = full.Size;
        }

        var info = new SKImageInfo(dims.Width, dims.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result is not SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw new ImageRejectedException($"the image data is damaged ({Describe(result)})");
        }

        return bitmap;
    }

    private static SKBitmap? ApplyOrigin(SKBitmap source, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft or SKEncodedOrigin.Default)
        {
            return null;
        }

        var swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop
            or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var (w, h) = swap ? (source.Height, source.Width) : (source.Width, source.Height);
        var rotated = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(rotated);
        canvas.SetMatrix(OriginMatrix(origin, source.Width, source.Height));
        canvas.DrawBitmap(source, 0, 0);
        return rotated;
    }

    // The transform that maps stored pixels to display orientation (EXIF orientation 2..8).
    private static SKMatrix OriginMatrix(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
        _ => SKMatrix.Identity,
    };

    internal static byte[] ResizeToRgb(SKBitmap source, int size, SquareFit fit = SquareFit.Stretch)
    {
        var target = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var centre = fit == SquareFit.CenterCrop && source.Width != source.Height ? CentreSquare(source) : null;
        var square = centre ?? source;
        using var resized = square.Width == size && square.Height == size
            ? square.Copy()
            : square.Resize(target, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        if (resized is null)
        {
            throw new ImageRejectedException("the image could not be resized");
        }

        var rgba = MemoryMarshal.AsBytes(resized.GetPixelSpan());
        var rgb = new byte[size * size * 3];
        for (int i = 0, o = 0; o < rgb.Length; i += 4, o += 3)
        {
            rgb[o] = rgba[i];
            rgb[o + 1] = rgba[i + 1];
            rgb[o + 2] = rgba[i + 2];
        }

        return rgb;
    }

    // The largest centred square of the bitmap, as a bitmap of its own.
    private static SKBitmap CentreSquare(SKBitmap source)
    {
        var side = Math.Min(source.Width, source.Height);
        var left = (source.Width - side) / 2;
        var top = (source.Height - side) / 2;
        var square = new SKBitmap();
        if (!source.ExtractSubset(square, new SKRectI(left, top, left + side, top + side)))
        {
            square.Dispose();
            throw new ImageRejectedException("the image could not be cropped");
        }

        return square;
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the file is truncated",
        SKCodecResult.ErrorInInput => "the file is corrupt",
        SKCodecResult.InvalidInput => "the file is not a valid image",
        SKCodecResult.Unimplemented => "unsupported format",
        _ => result.ToString(),
    };
}
