namespace VisionFactory.Imaging.Quality;

/// <summary>The luminance of square RGB pixels averaged over a coarse grid: what the perceptual hashes compare.</summary>
internal static class LuminanceGrid
{
    /// <summary>
    /// Area-averaged luminance (ITU-R BT.601 weights) on a <paramref name="columns"/> x <paramref name="rows"/> grid, row
    /// by row: whole-number channel sums per cell, weighted once per cell rather than once per pixel.
    /// </summary>
    public static double[] Of(ReadOnlySpan<byte> rgb, int side, int columns, int rows)
    {
        if (side < 1 || rgb.Length != side * side * 3)
        {
            throw new ArgumentException($"expected {side}x{side} RGB ({side * side * 3} bytes), got {rgb.Length} bytes", nameof(rgb));
        }

        var cells = columns * rows;
        Span<long> sums = new long[cells * 3];
        Span<int> counts = new int[cells];
        Span<int> columnCell = side <= 4096 ? stackalloc int[side] : new int[side];
        for (var x = 0; x < side; x++)
        {
            columnCell[x] = x * columns / side;
        }

        for (var y = 0; y < side; y++)
        {
            var rowCells = y * rows / side * columns;
            var row = rgb.Slice(y * side * 3, side * 3);
            for (var x = 0; x < side; x++)
            {
                var cell = rowCells + columnCell[x];
                var at = cell * 3;
                var p = x * 3;
                sums[at] += row[p];
                sums[at + 1] += row[p + 1];
                sums[at + 2] += row[p + 2];
                counts[cell]++;
            }
        }

        var grid = new double[cells];
        for (var i = 0; i < cells; i++)
        {
            grid[i] = counts[i] == 0 ? 0
                : ((0.299 * sums[i * 3]) + (0.587 * sums[(i * 3) + 1]) + (0.114 * sums[(i * 3) + 2])) / counts[i];
        }

        return grid;
    }
}
