using System.Runtime.InteropServices;

namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>
/// The linear map of one band's values onto 0..255: <see cref="Low"/> to 0, <see cref="High"/> to 255, clamped.
/// Measured once per scene from a sample of its blocks, so every chip of the scene is stretched alike.
/// </summary>
public sealed record BandStretch(double Low, double High)
{
    private const int Windows = 8;
    private const int WindowSide = 128;
    private const int Step = 2;

    /// <summary>The full range of the band's sample type (no stretch).</summary>
    public static BandStretch FullRange(SampleKind kind) => kind switch
    {
        SampleKind.Unsigned8 => new(0, 255),
        SampleKind.Unsigned16 => new(0, 65535),
        _ => new(0, 1),
    };

    /// <summary>
    /// The <paramref name="lowPercentile"/> and <paramref name="highPercentile"/> values of <paramref name="band"/>,
    /// from every other pixel of 8 x 8 windows of 128 px spread evenly over the scene (about 260 000 pixels), no-data
    /// left out. The sample depends on pixel positions only, so tiled and striped copies of a scene stretch alike.
    /// </summary>
    public static BandStretch Measure(GeoBand band, double? noData, double lowPercentile, double highPercentile)
    {
        ArgumentNullException.ThrowIfNull(band);
        var file = band.File;
        var integers = file.Kind != SampleKind.Real32 ? new long[file.Kind == SampleKind.Unsigned8 ? 256 : 65536] : null;
        var floats = integers is null ? new List<float>() : null;
        long total = 0;
        var side = (Math.Min(WindowSide, Math.Max(1, file.Width / Windows)), Math.Min(WindowSide, Math.Max(1, file.Height / Windows)));
        var spp = file.SamplesPerBlockPixel;
        var channel = file.Planar ? 0 : band.Index;
        var plane = file.Planar ? band.Index : 0;
        for (var wy = 0; wy < Windows; wy++)
        {
            var top = (int)(((wy + 0.5) * file.Height / Windows) - (side.Item2 / 2.0));
            for (var wx = 0; wx < Windows; wx++)
            {
                var left = (int)(((wx + 0.5) * file.Width / Windows) - (side.Item1 / 2.0));
                for (var y = Math.Max(0, top); y < Math.Min(file.Height, top + side.Item2); y += Step)
                {
                    var (by, ly) = Math.DivRem(y, file.BlockHeight);
                    for (var x = Math.Max(0, left); x < Math.Min(file.Width, left + side.Item1); x += Step)
                    {
                        var (bx, lx) = Math.DivRem(x, file.BlockWidth);
                        using var lease = file.Block(bx, by, plane);
                        var block = lease.Data;
                        var at = ((((ly * file.BlockWidth) + lx) * spp) + channel);
                        switch (file.Kind)
                        {
                            case SampleKind.Unsigned8:
                                if (noData != block[at])
                                {
                                    integers![block[at]]++;
                                    total++;
                                }

                                break;
                            case SampleKind.Unsigned16:
                                var u = MemoryMarshal.Cast<byte, ushort>(block)[at];
                                if (noData != u)
                                {
                                    integers![u]++;
                                    total++;
                                }

                                break;
                            default:
                                var f = MemoryMarshal.Cast<byte, float>(block)[at];
                                if (!float.IsNaN(f) && noData != f)
                                {
                                    floats!.Add(f);
                                    total++;
                                }

                                break;
                        }
                    }
                }
            }
        }

        if (total == 0)
        {
            return FullRange(file.Kind);
        }

        double low, high;
        if (integers is not null)
        {
            low = Percentile(integers, total, lowPercentile);
            high = Percentile(integers, total, highPercentile);
        }
        else
        {
            floats!.Sort();
            low = floats[(int)Math.Round(lowPercentile / 100 * (floats.Count - 1))];
            high = floats[(int)Math.Round(highPercentile / 100 * (floats.Count - 1))];
        }

        return high > low ? new BandStretch(low, high) : new BandStretch(low, low + (integers is null ? 1e-6 : 1));
    }

    /// <summary>The 0..255 value of <paramref name="value"/>.</summary>
    public byte Map(double value)
    {
        var scaled = (value - Low) * 255 / (High - Low);
        return scaled <= 0 || double.IsNaN(scaled) ? (byte)0 : scaled >= 255 ? (byte)255 : (byte)(scaled + 0.5);
    }

    /// <summary>The 0..255 value of every integer sample value (256 or 65536 entries).</summary>
    internal byte[] Table(int entries)
    {
        var table = new byte[entries];
        for (var v = 0; v < entries; v++)
        {
            table[v] = Map(v);
        }

        return table;
    }

    private static double Percentile(long[] histogram, long total, double percentile)
    {
        var rank = (long)Math.Round(percentile / 100 * (total - 1));
        long seen = 0;
        for (var v = 0; v < histogram.Length; v++)
        {
            seen += histogram[v];
            if (seen > rank)
            {
                return v;
            }
        }

        return histogram.Length - 1;
    }
}
