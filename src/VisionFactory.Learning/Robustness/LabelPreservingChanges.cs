using TorchSharp;
using VisionFactory.Domain.Models;
using VisionFactory.Imaging.Encoding;
using VisionFactory.Learning.Augmentation;
using VisionFactory.Learning.Data;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Robustness;

/// <summary>
/// The pixel operations of the stress test's changes (<see cref="StressChange.All"/>) on [N, 3, S, S] batches of 0..255
/// pixels, before normalisation. Each image draws its own amounts from a <see cref="StableRandom"/> keyed by the seed,
/// the change and the image, so a test repeats exactly whatever the batch it falls in. Results belong to the caller's
/// dispose scope.
/// </summary>
public static class LabelPreservingChanges
{
    /// <summary>JPEG quality of the <see cref="StressChangeKind.Jpeg"/> change.</summary>
    public const int JpegQuality = 30;

    // ITU-R 601 luma weights, as torchvision's rgb_to_grayscale and the training augmentation.
    private static readonly float[] LumaRgb = [0.2989f, 0.587f, 0.114f];

    /// <summary>The random draws of one image under one change.</summary>
    public static StableRandom RandomFor(int seed, StressChangeKind kind, long imageKey) => new(seed, (long)kind, imageKey);

    /// <summary>A stable number for an image known by its sha256 (its first 60 bits).</summary>
    public static long ImageKey(string sha256)
    {
        ArgumentException.ThrowIfNullOrEmpty(sha256);
        return Convert.ToInt64(sha256.Length > 15 ? sha256[..15] : sha256, 16);
    }

    /// <summary>
    /// The change on the encoded side: only <see cref="StressChangeKind.Jpeg"/> works on the bytes (saved again as a
    /// JPEG); the others return <paramref name="rgb"/> as it is.
    /// </summary>
    public static byte[] ApplyToPixels(byte[] rgb, int size, StressChangeKind kind) =>
        kind == StressChangeKind.Jpeg ? JpegRecompression.RoundTrip(rgb, size, JpegQuality) : rgb;

    /// <summary>The change on the tensor side, one random draw per image (<paramref name="imageKeys"/>, same order as the batch).</summary>
    public static Tensor Apply(Tensor raw, StressChangeKind kind, IReadOnlyList<long> imageKeys, int seed, bool bgr)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(imageKeys);
        var draws = imageKeys.Select(key => RandomFor(seed, kind, key)).ToList();
        var size = (int)raw.shape[^1];
        switch (kind)
        {
            case StressChangeKind.HueRotation:
                // 90 to 180 degrees either way: far enough that a colour cue is gone (light blue turns orange or green).
                return RotateHue(raw, [.. draws.Select(r => (r.NextDouble() < 0.5 ? -1 : 1) * r.NextDouble(90, 180))], bgr);
            case StressChangeKind.Greyscale:
                return Greyscale(raw, bgr);
            case StressChangeKind.BrightnessContrast:
                return AugmentationPolicy.Apply(raw, [.. draws.Select(r => ImageAugmentation.None with
                {
                    Brightness = r.NextDouble(0.75, 1.25),
                    Contrast = r.NextDouble(0.75, 1.25),
                })], bgr);
            case StressChangeKind.Blur:
                return Blur(raw, Math.Max(0.6, 1.2 * size / 224.0));
            case StressChangeKind.Jpeg:
                return raw;
            case StressChangeKind.CropShift:
                return AugmentationPolicy.Apply(raw, [.. draws.Select(r =>
                {
                    var side = r.NextDouble(0.8, 0.9);
                    return ImageAugmentation.None with
                    {
                        CropWidth = side,
                        CropHeight = side,
                        CropCenterX = r.NextDouble(-1, 1) * (1 - side),
                        CropCenterY = r.NextDouble(-1, 1) * (1 - side),
                    };
                })], bgr);
            case StressChangeKind.Occlusion:
                var patch = Math.Max(2, (int)Math.Round(size / 6.0));
                return Occlude(raw, [.. draws.Select(r => (r.Next(size - patch + 1), r.Next(size - patch + 1)))], patch);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown change");
        }
    }

    /// <summary>
    /// Rotates every image's hue by its angle in degrees, keeping luminance (the hue-rotation matrix of SVG's
    /// feColorMatrix and CSS's hue-rotate filter); 0 leaves the image as it is.
    /// </summary>
    public static Tensor RotateHue(Tensor raw, IReadOnlyList<double> degrees, bool bgr)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(degrees);
        var n = degrees.Count;
        var matrices = new float[n * 9];
        for (var i = 0; i < n; i++)
        {
            var (sin, cos) = Math.SinCos(degrees[i] * Math.PI / 180);
            double[] m =
            [
                0.213 + (cos * 0.787) - (sin * 0.213), 0.715 - (cos * 0.715) - (sin * 0.715), 0.072 - (cos * 0.072) + (sin * 0.928),
                0.213 - (cos * 0.213) + (sin * 0.143), 0.715 + (cos * 0.285) + (sin * 0.140), 0.072 - (cos * 0.072) - (sin * 0.283),
                0.213 - (cos * 0.213) - (sin * 0.787), 0.715 - (cos * 0.715) + (sin * 0.715), 0.072 + (cos * 0.928) + (sin * 0.072),
            ];
            for (var row = 0; row < 3; row++)
            {
                for (var column = 0; column < 3; column++)
                {
                    // In BGR order both the rows and the columns are reversed.
                    var (r, c) = bgr ? (2 - row, 2 - column) : (row, column);
                    matrices[(i * 9) + (row * 3) + column] = (float)m[(r * 3) + c];
                }
            }
        }

        var shape = raw.shape;
        var flat = raw.reshape(n, 3, -1);
        return tensor(matrices, [n, 3, 3]).bmm(flat).reshape(shape).clamp(0, 255);
    }

    /// <summary>Every image in greyscale (ITU-R 601 luma in all three channels).</summary>
    public static Tensor Greyscale(Tensor raw, bool bgr)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var luma = tensor(bgr ? [LumaRgb[2], LumaRgb[1], LumaRgb[0]] : LumaRgb, [1, 3, 1, 1]);
        return (raw * luma).sum(1, keepdim: true).expand(raw.shape).contiguous();
    }

    /// <summary>Gaussian blur of standard deviation <paramref name="sigma"/> pixels, edges reflected.</summary>
    public static Tensor Blur(Tensor raw, double sigma)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sigma);
        var radius = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        radius = Math.Min(radius, (int)raw.shape[^1] - 1);
        var weights = Enumerable.Range(-radius, (2 * radius) + 1).Select(d => Math.Exp(-d * d / (2 * sigma * sigma))).ToArray();
        var total = weights.Sum();
        var kernel = weights.Select(w => (float)(w / total)).ToArray();
        var width = kernel.Length;
        var channels = raw.shape[1];
        var horizontal = tensor(kernel, [1, 1, 1, width]).expand(channels, 1, 1, width);
        var vertical = tensor(kernel, [1, 1, width, 1]).expand(channels, 1, width, 1);
        var padded = nn.functional.pad(raw, [radius, radius, radius, radius], PaddingModes.Reflect);
        var blurred = nn.functional.conv2d(padded, horizontal, groups: channels);
        return nn.functional.conv2d(blurred, vertical, groups: channels);
    }

    /// <summary>A mid-grey square of side <paramref name="side"/> over each image, its top-left corner at the given place.</summary>
    public static Tensor Occlude(Tensor raw, IReadOnlyList<(int X, int Y)> corners, int side)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(corners);
        var size = (int)raw.shape[^1];
        var mask = new float[corners.Count * size * size];
        for (var i = 0; i < corners.Count; i++)
        {
            var (left, top) = corners[i];
            for (var y = Math.Max(0, top); y < Math.Min(size, top + side); y++)
            {
                for (var x = Math.Max(0, left); x < Math.Min(size, left + side); x++)
                {
                    mask[(i * size * size) + (y * size) + x] = 1;
                }
            }
        }

        var m = tensor(mask, [corners.Count, 1, size, size]);
        return (raw * (1 - m)) + (m * 128);
    }
}
