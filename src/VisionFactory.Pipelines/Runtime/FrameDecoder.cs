using OpenCvSharp;
using SkiaSharp;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Pipelines.Runtime;

/// <summary>
/// Turns an encoded frame into BGR pixels. The dimensions are read from the header and checked against the limits
/// before any pixel buffer exists, as everywhere else in the platform.
/// </summary>
public static class FrameDecoder
{
    public static Mat Decode(byte[] encoded, ImageLimits limits)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        ArgumentNullException.ThrowIfNull(limits);
        if (encoded.Length == 0)
        {
            throw new ImageRejectedException("the frame is empty");
        }

        if (encoded.Length > limits.MaxFileBytes)
        {
            throw new ImageRejectedException($"the frame is {encoded.Length / 1048576.0:0.#} MiB; the limit is {limits.MaxFileBytes / 1048576.0:0.#} MiB");
        }

        using (var codec = SKCodec.Create(new MemoryStream(encoded, writable: false)))
        {
            if (codec is null)
            {
                throw new ImageRejectedException("the frame is not an image in a supported format");
            }

            var info = codec.Info;
            if (info.Width < limits.MinSide || info.Height < limits.MinSide || (long)info.Width * info.Height > limits.MaxPixels)
            {
                throw new ImageRejectedException($"the frame is {info.Width}x{info.Height}, outside the image limits");
            }
        }

        var image = Cv2.ImDecode(encoded, ImreadModes.Color);
        if (image.Empty())
        {
            image.Dispose();
            throw new ImageRejectedException("the frame's image data is damaged");
        }

        return image;
    }

    /// <summary>A JPEG of the image scaled so that its longer side is at most <paramref name="side"/>.</summary>
    public static byte[] Thumbnail(Mat image, int side, int quality = 75)
    {
        ArgumentNullException.ThrowIfNull(image);
        var scale = Math.Min(1.0, (double)side / Math.Max(image.Width, image.Height));
        using var small = scale < 1
            ? image.Resize(new Size(Math.Max(1, (int)Math.Round(image.Width * scale)), Math.Max(1, (int)Math.Round(image.Height * scale))), 0, 0, InterpolationFlags.Area)
            : image.Clone();
        Cv2.ImEncode(".jpg", small, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, quality));
        return jpeg;
    }
}
