using SkiaSharp;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Imaging.Thumbnails;

/// <summary>
/// Small JPEG previews of stored images for image grids, made on first request and kept on disk by sha256, so a page
/// of 48 thumbnails never decodes a full photo twice. The aspect ratio is kept; the longer side is <see cref="Side"/>.
/// </summary>
public sealed class ThumbnailCache(string root)
{
    /// <summary>The longer side of a thumbnail, in pixels.</summary>
    public const int Side = 192;

    private const int Quality = 80;

    public string Root { get; } = root;

    /// <summary>The path of the thumbnail of <paramref name="sha256"/>, made from <paramref name="readOriginal"/> when missing.</summary>
    public string GetOrCreate(string sha256, Func<byte[]> readOriginal, ImageLimits limits)
    {
        ArgumentNullException.ThrowIfNull(readOriginal);
        var path = Path.Combine(Root, sha256[..2], sha256 + ".jpg");
        if (File.Exists(path))
        {
            return path;
        }

        var jpeg = Make(readOriginal(), limits);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        File.WriteAllBytes(temp, jpeg);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>Stores a thumbnail made elsewhere (e.g. during import, from the same decode).</summary>
    public void Put(string sha256, byte[] jpeg)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        var path = Path.Combine(Root, sha256[..2], sha256 + ".jpg");
        if (File.Exists(path))
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        File.WriteAllBytes(temp, jpeg);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>A JPEG of the image scaled to fit <see cref="Side"/> x <see cref="Side"/>, upright, on white where transparent.</summary>
    public static byte[] Make(byte[] encoded, ImageLimits limits)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        ArgumentNullException.ThrowIfNull(limits);
        var (_, bitmap) = ImageDecoder.DecodeUpright(encoded, Side, limits);
        using var original = bitmap;
        return Make(original);
    }

    /// <summary>The thumbnail of an upright decoded image.</summary>
    internal static byte[] Make(SKBitmap original)
    {
        var scale = Math.Min(1.0, (double)Side / Math.Max(original.Width, original.Height));
        var width = Math.Max(1, (int)Math.Round(original.Width * scale));
        var height = Math.Max(1, (int)Math.Round(original.Height * scale));
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var image = SKImage.FromBitmap(original);
        canvas.DrawImage(image, new SKRect(0, 0, width, height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using var snapshot = surface.Snapshot();
        using var data = snapshot.Encode(SKEncodedImageFormat.Jpeg, Quality);
        return data.ToArray();
    }
}
