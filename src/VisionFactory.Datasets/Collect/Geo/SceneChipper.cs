using System.Globalization;
using System.Runtime.InteropServices;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>One chip position: its top-left pixel in the scene.</summary>
public readonly record struct ChipWindow(int X, int Y);

/// <summary>A cut chip: RGB bytes row by row (<c>size * size * 3</c>) and the share of its pixels that hold no data.</summary>
public sealed record ChipPixels(byte[] Rgb, double NoDataShare);

/// <summary>
/// Cuts a scene into fixed-size RGB chips: three bands (or one, as grey) mapped to 0..255 by the scene's stretch. Each
/// chip reads only the tiles or strips it overlaps, through the files' bounded block caches, so memory stays bounded
/// whatever the scene's size. Safe to call from several threads.
/// </summary>
public sealed class SceneChipper
{
    private readonly GeoScene scene;
    private readonly Channel[] channels;

    public SceneChipper(GeoScene scene, GeoChipOptions options)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } problem)
        {
            throw ProblemException.Invalid(problem);
        }

        this.scene = scene;
        Options = options;
        var chosen = options.Bands ?? (scene.Bands.Count >= 3 ? [1, 2, 3] : [1]);
        foreach (var band in chosen.Where(b => b > scene.Bands.Count))
        {
            throw ProblemException.Invalid(string.Create(CultureInfo.InvariantCulture,
                $"band {band} does not exist: '{scene.Name}' has {scene.Bands.Count} band{(scene.Bands.Count == 1 ? "" : "s")} (1-{scene.Bands.Count}); choose --bands among them"));
        }

        var rgb = chosen.Count == 1 ? [chosen[0], chosen[0], chosen[0]] : chosen;
        var noData = options.NoData ?? scene.NoData;
        var stretches = new Dictionary<int, BandStretch>();
        channels = rgb.Select(b =>
        {
            var band = scene.Bands[b - 1];
            if (!stretches.TryGetValue(b, out var stretch))
            {
                stretch = options.Stretch ? BandStretch.Measure(band, noData, options.StretchLow, options.StretchHigh) : BandStretch.FullRange(band.File.Kind);
                stretches[b] = stretch;
            }

            return new Channel(band, stretch, noData, band.File.Kind switch
            {
                SampleKind.Unsigned8 => stretch.Table(256),
                SampleKind.Unsigned16 => stretch.Table(65536),
                _ => null,
            });
        }).ToArray();
        BandNumbers = rgb;
    }

    public GeoChipOptions Options { get; }

    /// <summary>The bands (from 1) shown as red, green and blue.</summary>
    public IReadOnlyList<int> BandNumbers { get; }

    /// <summary>The stretch of the red, green and blue channels.</summary>
    public IReadOnlyList<BandStretch> Stretches => channels.Select(c => c.Stretch).ToList();

    /// <summary>Chip positions row by row; partial chips at the right and bottom edges in <paramref name="partial"/> when they are dropped.</summary>
    public List<ChipWindow> Grid(out List<ChipWindow> partial)
    {
        var size = Options.Size;
        var stride = Options.EffectiveStride;
        var chips = new List<ChipWindow>();
        partial = [];
        for (var y = 0; y < scene.Height; y += stride)
        {
            for (var x = 0; x < scene.Width; x += stride)
            {
                var inside = x + size <= scene.Width && y + size <= scene.Height;
                if (inside || Options.KeepPartial)
                {
                    chips.Add(new ChipWindow(x, y));
                }
                else
                {
                    partial.Add(new ChipWindow(x, y));
                }

                if (x + size >= scene.Width)
                {
                    break;
                }
            }

            if (y + size >= scene.Height)
            {
                break;
            }
        }

        return chips;
    }

    /// <summary>Cuts the chip whose top-left pixel is <paramref name="chip"/>; area beyond the scene is black.</summary>
    public ChipPixels Cut(ChipWindow chip)
    {
        var rgb = new byte[Options.Size * Options.Size * 3];
        return new ChipPixels(rgb, Cut(chip, rgb));
    }

    /// <summary>Cuts a chip into <paramref name="rgb"/> (at least size * size * 3 bytes); returns its share of no-data pixels.</summary>
    public double Cut(ChipWindow chip, byte[] rgb)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        var size = Options.Size;
        Array.Clear(rgb, 0, size * size * 3);
        var empty = new byte[size * size];
        var right = Math.Min(chip.X + size, scene.Width);
        var bottom = Math.Min(chip.Y + size, scene.Height);
        for (var c = 0; c < 3; c++)
        {
            CutChannel(channels[c], c, chip, right, bottom, rgb, empty);
        }

        var inside = (right - chip.X) * (bottom - chip.Y);
        var missing = 0;
        foreach (var count in empty)
        {
            if (count == 3)
            {
                missing++;
            }
        }

        return inside == 0 ? 1 : (double)missing / inside;
    }

    private void CutChannel(Channel channel, int c, ChipWindow chip, int right, int bottom, byte[] rgb, byte[] empty)
    {
        var file = channel.Band.File;
        var size = Options.Size;
        var (bw, bh) = (file.BlockWidth, file.BlockHeight);
        var spp = file.SamplesPerBlockPixel;
        var offsetInPixel = file.Planar ? 0 : channel.Band.Index;
        var plane = file.Planar ? channel.Band.Index : 0;
        for (var by = chip.Y / bh; by * bh < bottom; by++)
        {
            var rowStart = Math.Max(chip.Y, by * bh);
            var rowEnd = Math.Min(bottom, (by + 1) * bh);
            for (var bx = chip.X / bw; bx * bw < right; bx++)
            {
                var colStart = Math.Max(chip.X, bx * bw);
                var colEnd = Math.Min(right, (bx + 1) * bw);
                using var lease = file.Block(bx, by, plane);
                var block = lease.Data;
                for (var y = rowStart; y < rowEnd; y++)
                {
                    var source = ((((y - (by * bh)) * bw) + (colStart - (bx * bw))) * spp) + offsetInPixel;
                    var target = ((y - chip.Y) * size) + (colStart - chip.X);
                    var count = colEnd - colStart;
                    switch (file.Kind)
                    {
                        case SampleKind.Unsigned8:
                            MapIntegers(block, source, spp, count, channel, rgb, empty, target, c);
                            break;
                        case SampleKind.Unsigned16:
                            MapIntegers(MemoryMarshal.Cast<byte, ushort>(block), source, spp, count, channel, rgb, empty, target, c);
                            break;
                        default:
                            MapFloats(MemoryMarshal.Cast<byte, float>(block), source, spp, count, channel, rgb, empty, target, c);
                            break;
                    }
                }
            }
        }
    }

    // One body for 8- and 16-bit samples: the JIT specialises it per sample type, so the loop stays as tight as a copy.
    private static void MapIntegers<T>(ReadOnlySpan<T> samples, int source, int spp, int count, Channel channel, byte[] rgb, byte[] empty, int target, int c)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        var table = channel.Table!;
        var noData = channel.IntegerNoData;
        for (var i = 0; i < count; i++)
        {
            var value = int.CreateTruncating(samples[source + (i * spp)]);
            rgb[((target + i) * 3) + c] = table[value];
            if (value == noData)
            {
                empty[target + i]++;
            }
        }
    }

    private static void MapFloats(ReadOnlySpan<float> samples, int source, int spp, int count, Channel channel, byte[] rgb, byte[] empty, int target, int c)
    {
        var stretch = channel.Stretch;
        var noData = channel.NoData;
        for (var i = 0; i < count; i++)
        {
            var value = samples[source + (i * spp)];
            rgb[((target + i) * 3) + c] = stretch.Map(value);
            if (float.IsNaN(value) || value == noData)
            {
                empty[target + i]++;
            }
        }
    }

    private sealed record Channel(GeoBand Band, BandStretch Stretch, double? NoData, byte[]? Table)
    {
        // An integer no-data value; -1 (never a sample) when there is none or it is not a whole number.
        public int IntegerNoData { get; } = NoData is { } n && n >= 0 && n <= 65535 && n == Math.Floor(n) ? (int)n : -1;
    }
}
