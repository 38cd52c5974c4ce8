namespace VisionFactory.Imaging.Quality;

/// <summary>
/// Exposure and sharpness of one image, measured on its square RGB pixels: the mean luminance (0-255), the shares
/// of pixels clipped to black (luminance at most 8) and to white (at least 247), and the variance of the Laplacian
/// of the luminance (low when the picture has no sharp edges, i.e. blurry or flat).
/// </summary>
public sealed record ImageQuality(double MeanLuminance, double DarkFraction, double BrightFraction, double LaplacianVariance)
{
    /// <summary>Luminance at or below this counts as clipped to black.</summary>
    public const double DarkClip = 8;

    /// <summary>Luminance at or above this counts as clipped to white.</summary>
    public const double BrightClip = 247;

    /// <summary>Measures a square RGB image of side <paramref name="side"/>.</summary>
    public static ImageQuality Measure(ReadOnlySpan<byte> rgb, int side)
    {
        if (side < 3 || rgb.Length != side * side * 3)
        {
            throw new ArgumentException($"expected {side}x{side} RGB ({side * side * 3} bytes), got {rgb.Length} bytes", nameof(rgb));
        }

        var luminance = new double[side * side];
        double sum = 0;
        var dark = 0;
        var bright = 0;
        for (int i = 0, p = 0; i < luminance.Length; i++, p += 3)
        {
            var l = (0.299 * rgb[p]) + (0.587 * rgb[p + 1]) + (0.114 * rgb[p + 2]);
            luminance[i] = l;
            sum += l;
            if (l <= DarkClip)
            {
                dark++;
            }
            else if (l >= BrightClip)
            {
                bright++;
            }
        }

        // 4-neighbour Laplacian over the interior; its variance is the usual focus measure.
        double lapSum = 0;
        double lapSquares = 0;
        var n = 0;
        for (var y = 1; y < side - 1; y++)
        {
            for (var x = 1; x < side - 1; x++)
            {
                var i = (y * side) + x;
                var lap = luminance[i - 1] + luminance[i + 1] + luminance[i - side] + luminance[i + side] - (4 * luminance[i]);
                lapSum += lap;
                lapSquares += lap * lap;
                n++;
            }
        }

        var lapMean = lapSum / n;
        var pixels = (double)luminance.Length;
        return new ImageQuality(sum / pixels, dark / pixels, bright / pixels, Math.Max(0, (lapSquares / n) - (lapMean * lapMean)));
    }
}
