using System.Numerics;

namespace VisionFactory.Imaging.Quality;

/// <summary>
/// The 64-bit DCT perceptual hash (pHash) of an image: the luminance is reduced to 32 x 32, transformed by a 2-D
/// discrete cosine transform, and the 8 x 8 lowest frequencies (without the constant term) are compared with their
/// median, one bit each. Re-encoding, resizing and mild brightness changes leave most bits unchanged, so the Hamming
/// distance between two hashes measures how different two pictures look.
/// </summary>
public static class PerceptualHash
{
    /// <summary>The side of the luminance grid the transform runs on.</summary>
    public const int GridSide = 32;

    private const int Low = 8;

    // cos((2x + 1) u pi / 2N) for the 8 lowest frequencies u: the only rows of the transform the hash reads.
    private static readonly double[,] Cosines = BuildCosines();

    /// <summary>The hash of a square RGB image of side <paramref name="side"/> (3 bytes per pixel, rows top to bottom).</summary>
    public static ulong Of(ReadOnlySpan<byte> rgb, int side) => OfGrid(LuminanceGrid.Of(rgb, side, GridSide, GridSide));

    /// <summary>The hash of a <see cref="GridSide"/> x <see cref="GridSide"/> luminance grid (row by row).</summary>
    internal static ulong OfGrid(double[] grid)
    {

        // Separable transform: rows first (32 x 8), then columns (8 x 8).
        var rows = new double[GridSide, Low];
        for (var y = 0; y < GridSide; y++)
        {
            for (var u = 0; u < Low; u++)
            {
                double sum = 0;
                for (var x = 0; x < GridSide; x++)
                {
                    sum += grid[(y * GridSide) + x] * Cosines[u, x];
                }

                rows[y, u] = sum;
            }
        }

        Span<double> coefficients = stackalloc double[Low * Low];
        for (var v = 0; v < Low; v++)
        {
            for (var u = 0; u < Low; u++)
            {
                double sum = 0;
                for (var y = 0; y < GridSide; y++)
                {
                    sum += rows[y, u] * Cosines[v, y];
                }

                coefficients[(v * Low) + u] = sum;
            }
        }

        // The median of the 63 non-constant terms; the constant term only says how bright the image is.
        Span<double> sorted = stackalloc double[(Low * Low) - 1];
        coefficients[1..].CopyTo(sorted);
        sorted.Sort();
        var median = sorted[sorted.Length / 2];
        ulong hash = 0;
        for (var i = 1; i < Low * Low; i++)
        {
            if (coefficients[i] > median)
            {
                hash |= 1UL << i;
            }
        }

        return hash;
    }

    /// <summary>The number of bits in which two hashes differ (0 = the same picture to this hash, 64 = opposite).</summary>
    public static int Distance(ulong a, ulong b) => BitOperations.PopCount(a ^ b);

    private static double[,] BuildCosines()
    {
        var table = new double[Low, GridSide];
        for (var u = 0; u < Low; u++)
        {
            for (var x = 0; x < GridSide; x++)
            {
                table[u, x] = Math.Cos(((2 * x) + 1) * u * Math.PI / (2 * GridSide));
            }
        }

        return table;
    }
}
