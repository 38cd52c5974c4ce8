namespace VisionFactory.Imaging.Encoding;

/// <summary>Smaller square RGB images from larger ones by area averaging (each output pixel the mean of what it covers).</summary>
public static class RgbDownscale
{
    /// <summary>
    /// The <paramref name="target"/> x <paramref name="target"/> RGB image covering the same picture as
    /// <paramref name="rgb"/> (<paramref name="side"/> x <paramref name="side"/>, 3 bytes per pixel, rows top to bottom).
    /// A whole-number ratio (224 to 112) averages whole blocks; any other ratio weighs the source pixels an output
    /// pixel partly covers by how much it covers them.
    /// </summary>
    public static byte[] Square(ReadOnlySpan<byte> rgb, int side, int target)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(side, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(target, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(target, side);
        if (rgb.Length != side * side * 3)
        {
            throw new ArgumentException($"expected {side}x{side} RGB ({side * side * 3} bytes), got {rgb.Length} bytes", nameof(rgb));
        }

        if (target == side)
        {
            return rgb.ToArray();
        }

        var weights = Weights(side, target);

        // Rows first (side x target), then columns (target x target).
        var rows = new float[side * target * 3];
        for (var y = 0; y < side; y++)
        {
            var source = rgb.Slice(y * side * 3, side * 3);
            var row = rows.AsSpan(y * target * 3, target * 3);
            foreach (var (to, from, weight) in weights)
            {
                for (var c = 0; c < 3; c++)
                {
                    row[(to * 3) + c] += source[(from * 3) + c] * weight;
                }
            }
        }

        var columns = new float[target * target * 3];
        foreach (var (to, from, weight) in weights)
        {
            var source = rows.AsSpan(from * target * 3, target * 3);
            var row = columns.AsSpan(to * target * 3, target * 3);
            for (var i = 0; i < row.Length; i++)
            {
                row[i] += source[i] * weight;
            }
        }

        var result = new byte[columns.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (byte)Math.Clamp(MathF.Round(columns[i]), 0, 255);
        }

        return result;
    }

    // For each output index, the source indexes it covers and the share of the output pixel each takes (summing to 1).
    private static List<(int To, int From, float Weight)> Weights(int side, int target)
    {
        var weights = new List<(int, int, float)>();
        var scale = (double)side / target;
        for (var to = 0; to < target; to++)
        {
            var start = to * scale;
            var end = (to + 1) * scale;
            for (var from = (int)Math.Floor(start); from < Math.Min(side, (int)Math.Ceiling(end)); from++)
            {
                var covered = Math.Min(end, from + 1) - Math.Max(start, from);
                if (covered > 1e-9)
                {
                    weights.Add((to, from, (float)(covered / scale)));
                }
            }
        }

        return weights;
    }
}
