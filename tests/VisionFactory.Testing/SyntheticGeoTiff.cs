using System.Globalization;
using System.Runtime.InteropServices;
using BitMiracle.LibTiff.Classic;
using VisionFactory.Datasets.Collect.Geo;

namespace VisionFactory.Testing;

/// <summary>How a generated GeoTIFF is laid out.</summary>
public sealed record GeoTiffSpec
{
    public int Width { get; init; } = 512;

    public int Height { get; init; } = 512;

    public int Bands { get; init; } = 4;

    public SampleKind Kind { get; init; } = SampleKind.Unsigned16;

    /// <summary>Tile side; 0 writes strips of <see cref="RowsPerStrip"/> rows.</summary>
    public int Tile { get; init; } = 256;

    public int RowsPerStrip { get; init; } = 16;

    /// <summary>Each band in its own tiles or strips (PlanarConfiguration 2).</summary>
    public bool Planar { get; init; }

    public Compression Compression { get; init; } = Compression.NONE;

    /// <summary>Georeferencing; none is written when null.</summary>
    public GeoTransform? Transform { get; init; } = GeoTransform.NorthUp(500_000, 5_000_000, 10, 10);

    public GeoCrs? Crs { get; init; } = GeoCrs.FromEpsg(32632);

    public double? NoData { get; init; }
}

/// <summary>Writes GeoTIFFs with LibTiff for tests and benchmarks: the value of band b at (x, y) comes from a function.</summary>
public static class SyntheticGeoTiff
{
    /// <summary>
    /// A 512 px, four-band scene in UTM 32N (10 m pixels), <c>scene.tif</c>, and a GeoJSON in WGS 84,
    /// <c>labels.geojson</c> (property <c>landuse</c>), whose left half is forest and right half water, in
    /// <paramref name="folder"/>.
    /// </summary>
    public static (string Scene, string Labels) WriteForestAndWater(string folder)
    {
        var scene = System.IO.Path.Combine(folder, "scene.tif");
        Write(scene, new GeoTiffSpec(), (b, x, y) => (b + 1) * (((x * 7) + (y * 13)) % 1000));
        var toWgs84 = GeoCrs.FromEpsg(32632).To(GeoCrs.Wgs84)!;
        string Ring(double from, double to) => string.Join(",", new[] { (from, 100.0), (to, 100.0), (to, -5300.0), (from, -5300.0), (from, 100.0) }
            .Select(p => toWgs84(500_000 + p.Item1, 5_000_000 + p.Item2))
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"[{p.X:R},{p.Y:R}]")));
        string Feature(string label, double from, double to) =>
            $$$"""{"type":"Feature","properties":{"landuse":"{{{label}}}"},"geometry":{"type":"Polygon","coordinates":[[{{{Ring(from, to)}}}]]}}""";
        var labels = System.IO.Path.Combine(folder, "labels.geojson");
        File.WriteAllText(labels, $$"""{"type":"FeatureCollection","features":[{{Feature("forest", 0, 2560)}},{{Feature("water", 2560, 5120)}}]}""");
        return (scene, labels);
    }

    public static void Write(string path, GeoTiffSpec spec, Func<int, int, int, double> value)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(value);
        GeoTiffTags.EnsureRegistered();
        using var tiff = Tiff.Open(path, "w") ?? throw new IOException($"cannot write {path}");
        var bytes = spec.Kind switch { SampleKind.Unsigned8 => 1, SampleKind.Unsigned16 => 2, _ => 4 };
        tiff.SetField(TiffTag.IMAGEWIDTH, spec.Width);
        tiff.SetField(TiffTag.IMAGELENGTH, spec.Height);
        tiff.SetField(TiffTag.SAMPLESPERPIXEL, spec.Bands);
        tiff.SetField(TiffTag.BITSPERSAMPLE, bytes * 8);
        tiff.SetField(TiffTag.SAMPLEFORMAT, spec.Kind == SampleKind.Real32 ? SampleFormat.IEEEFP : SampleFormat.UINT);
        tiff.SetField(TiffTag.PHOTOMETRIC, Photometric.MINISBLACK);
        tiff.SetField(TiffTag.PLANARCONFIG, spec.Planar ? PlanarConfig.SEPARATE : PlanarConfig.CONTIG);
        tiff.SetField(TiffTag.COMPRESSION, spec.Compression);
        if (spec.Bands > 1)
        {
            tiff.SetField(TiffTag.EXTRASAMPLES, spec.Bands - 1, Enumerable.Repeat((short)ExtraSample.UNSPECIFIED, spec.Bands - 1).ToArray());
        }

        var (blockWidth, blockHeight) = spec.Tile > 0 ? (spec.Tile, spec.Tile) : (spec.Width, spec.RowsPerStrip);
        if (spec.Tile > 0)
        {
            tiff.SetField(TiffTag.TILEWIDTH, spec.Tile);
            tiff.SetField(TiffTag.TILELENGTH, spec.Tile);
        }
        else
        {
            tiff.SetField(TiffTag.ROWSPERSTRIP, spec.RowsPerStrip);
        }

        if (spec.Transform is { } transform && spec.Crs is { } crs)
        {
            GeoTiffTags.Write(tiff, transform, crs, spec.NoData);
        }

        var across = (spec.Width + blockWidth - 1) / blockWidth;
        var down = (spec.Height + blockHeight - 1) / blockHeight;
        var planes = spec.Planar ? spec.Bands : 1;
        var perPixel = spec.Planar ? 1 : spec.Bands;
        var buffer = new byte[blockWidth * blockHeight * perPixel * bytes];
        for (var plane = 0; plane < planes; plane++)
        {
            for (var by = 0; by < down; by++)
            {
                for (var bx = 0; bx < across; bx++)
                {
                    Array.Clear(buffer);
                    var rows = spec.Tile > 0 ? blockHeight : Math.Min(blockHeight, spec.Height - (by * blockHeight));
                    for (var y = 0; y < rows; y++)
                    {
                        var sy = (by * blockHeight) + y;
                        if (sy >= spec.Height)
                        {
                            break;
                        }

                        for (var x = 0; x < blockWidth; x++)
                        {
                            var sx = (bx * blockWidth) + x;
                            if (sx >= spec.Width)
                            {
                                break;
                            }

                            for (var s = 0; s < perPixel; s++)
                            {
                                var band = spec.Planar ? plane : s;
                                var at = (((y * blockWidth) + x) * perPixel) + s;
                                var v = value(band, sx, sy);
                                switch (spec.Kind)
                                {
                                    case SampleKind.Unsigned8:
                                        buffer[at] = (byte)Math.Clamp(v, 0, 255);
                                        break;
                                    case SampleKind.Unsigned16:
                                        MemoryMarshal.Cast<byte, ushort>(buffer.AsSpan())[at] = (ushort)Math.Clamp(v, 0, 65535);
                                        break;
                                    default:
                                        MemoryMarshal.Cast<byte, float>(buffer.AsSpan())[at] = (float)v;
                                        break;
                                }
                            }
                        }
                    }

                    var index = (plane * across * down) + (by * across) + bx;
                    var length = rows * blockWidth * perPixel * bytes;
                    var written = spec.Tile > 0 ? tiff.WriteEncodedTile(index, buffer, length) : tiff.WriteEncodedStrip(index, buffer, length);
                    if (written < 0)
                    {
                        throw new IOException($"LibTiff could not write block {index} of {path}: {GeoTiffTags.LastError}");
                    }
                }
            }
        }

        tiff.WriteDirectory();
    }
}
