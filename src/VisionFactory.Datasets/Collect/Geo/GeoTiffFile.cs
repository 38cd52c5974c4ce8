using System.Collections.Concurrent;
using System.Globalization;
using BitMiracle.LibTiff.Classic;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>How a band stores one sample.</summary>
public enum SampleKind
{
    Unsigned8,
    Unsigned16,
    Real32,
}

/// <summary>
/// One GeoTIFF file, read tile by tile or strip by strip (never whole): its layout, georeferencing (affine
/// transform and CRS from ModelPixelScale / ModelTiepoint / ModelTransformation and the GeoKeyDirectory) and a
/// bounded cache of decoded blocks shared by the chips that overlap them. Safe for concurrent readers: each decode
/// borrows its own LibTiff handle.
/// </summary>
public sealed class GeoTiffFile : IDisposable
{
    private readonly ConcurrentBag<Tiff> handles = [];
    private readonly BlockCache cache;
    private readonly string name;

    private GeoTiffFile(string path, Tiff first, GeoLimits limits)
    {
        Path = path;
        name = System.IO.Path.GetFileName(path);
        Width = first.GetField(TiffTag.IMAGEWIDTH)[0].ToInt();
        Height = first.GetField(TiffTag.IMAGELENGTH)[0].ToInt();
        Bands = first.GetField(TiffTag.SAMPLESPERPIXEL)?[0].ToInt() ?? 1;
        var bits = first.GetField(TiffTag.BITSPERSAMPLE)?[0].ToInt() ?? 1;
        var format = (SampleFormat)(first.GetField(TiffTag.SAMPLEFORMAT)?[0].ToInt() ?? (int)SampleFormat.UINT);
        Kind = (bits, format) switch
        {
            (8, SampleFormat.UINT or SampleFormat.VOID) => SampleKind.Unsigned8,
            (16, SampleFormat.UINT or SampleFormat.VOID) => SampleKind.Unsigned16,
            (32, SampleFormat.IEEEFP) => SampleKind.Real32,
            _ => throw ProblemException.Invalid(
                $"'{name}' stores {bits}-bit {format.ToString().ToLowerInvariant()} samples; scenes of 8- or 16-bit unsigned integers or 32-bit floats are supported"),
        };
        Planar = (PlanarConfig)(first.GetField(TiffTag.PLANARCONFIG)?[0].ToInt() ?? (int)PlanarConfig.CONTIG) == PlanarConfig.SEPARATE && Bands > 1;
        Tiled = first.IsTiled();
        if (Tiled)
        {
            BlockWidth = first.GetField(TiffTag.TILEWIDTH)[0].ToInt();
            BlockHeight = first.GetField(TiffTag.TILELENGTH)[0].ToInt();
            BlockBytes = first.TileSize();
        }
        else
        {
            BlockWidth = Width;
            BlockHeight = Math.Min(Height, first.GetField(TiffTag.ROWSPERSTRIP)?[0].ToInt() ?? Height);
            BlockBytes = first.StripSize();
        }

        BlocksAcross = (Width + BlockWidth - 1) / BlockWidth;
        BlocksDown = (Height + BlockHeight - 1) / BlockHeight;
        SamplesPerBlockPixel = Planar ? 1 : Bands;
        var expected = (long)BlockWidth * BlockHeight * SamplesPerBlockPixel * BytesPerSample;
        if (BlockBytes < expected)
        {
            throw ProblemException.Invalid($"'{name}' has blocks of {BlockBytes} bytes where its layout needs {expected}: the file is damaged");
        }

        (Transform, Crs, NoData) = GeoTiffTags.Read(first, name);
        if ((Compression)(first.GetField(TiffTag.COMPRESSION)?[0].ToInt() ?? 1) == Compression.JPEG
            && (Photometric)(first.GetField(TiffTag.PHOTOMETRIC)?[0].ToInt() ?? 0) == Photometric.YCBCR)
        {
            first.SetField(TiffTag.JPEGCOLORMODE, JpegColorMode.RGB);
        }

        handles.Add(first);
        cache = new BlockCache(limits.CacheBytes, BlockBytes, Decode);
    }

    public string Path { get; }

    public int Width { get; }

    public int Height { get; }

    public int Bands { get; }

    public SampleKind Kind { get; }

    public int BytesPerSample => Kind switch { SampleKind.Unsigned8 => 1, SampleKind.Unsigned16 => 2, _ => 4 };

    /// <summary>Whether each band is stored in its own tiles or strips (PlanarConfiguration 2).</summary>
    public bool Planar { get; }

    public bool Tiled { get; }

    /// <summary>Width of a tile, or of the scene for strips.</summary>
    public int BlockWidth { get; }

    /// <summary>Height of a tile, or rows per strip.</summary>
    public int BlockHeight { get; }

    public int BlocksAcross { get; }

    public int BlocksDown { get; }

    /// <summary>Samples one pixel occupies inside a block: the band count (chunky) or 1 (planar).</summary>
    public int SamplesPerBlockPixel { get; }

    /// <summary>Bytes one decoded tile or strip takes (the buffer <see cref="DecodeUncached"/> needs).</summary>
    public int BlockBytes { get; }

    /// <summary>Pixel-to-world transform, or null when the file carries no georeferencing.</summary>
    public GeoTransform? Transform { get; }

    /// <summary>The CRS named by the GeoKeyDirectory, or null when it names none (or a user-defined one).</summary>
    public GeoCrs? Crs { get; }

    /// <summary>The no-data value (GDAL_NODATA tag), when the file names one.</summary>
    public double? NoData { get; }

    /// <summary>Blocks decoded so far (each decode of the same block counts: a measure of the cache's use).</summary>
    public long Decodes => cache.Decodes;

    /// <summary>Opens <paramref name="path"/> after checking its header against <paramref name="limits"/>.</summary>
    public static GeoTiffFile Open(string path, GeoLimits limits)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(limits);
        var name = System.IO.Path.GetFileName(path);
        if (!File.Exists(path))
        {
            throw ProblemException.NotFound($"'{path}' does not exist");
        }

        TiffHeader header;
        string? problem;
        using (var stream = File.OpenRead(path))
        {
            header = TiffHeader.Read(stream, out problem);
        }

        if (problem is not null)
        {
            throw ProblemException.Invalid($"'{name}' {problem}");
        }

        CheckHeader(header, name, limits);
        GeoTiffTags.EnsureRegistered();
        Tiff? tiff;
        try
        {
            tiff = Tiff.Open(path, "r");
        }
        catch (Exception e) when (e is OverflowException or OutOfMemoryException or IndexOutOfRangeException or ArgumentException or InvalidDataException or EndOfStreamException)
        {
            // A directory LibTiff cannot make sense of (counts or offsets that lie) must not take the import down.
            throw ProblemException.Invalid($"'{name}' could not be read as a TIFF: its directory is damaged ({e.Message})");
        }

        if (tiff is null)
        {
            throw ProblemException.Invalid($"'{name}' could not be opened as a TIFF: {GeoTiffTags.LastError ?? "unreadable directory"}");
        }

        try
        {
            return new GeoTiffFile(path, tiff, limits);
        }
        catch
        {
            tiff.Dispose();
            throw;
        }
    }

    /// <summary>The decoded block at block column <paramref name="bx"/>, row <paramref name="by"/> of <paramref name="plane"/>, lent until disposed.</summary>
    public BlockLease Block(int bx, int by, int plane) => cache.Rent((Planar ? plane * BlocksAcross * BlocksDown : 0) + (by * BlocksAcross) + bx);

    /// <summary>Decodes a block without keeping it (the benchmark's reference: decode cost alone).</summary>
    public int DecodeUncached(int index, byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var tiff = Rent();
        try
        {
            return Tiled ? tiff.ReadEncodedTile(index, buffer, 0, -1) : tiff.ReadEncodedStrip(index, buffer, 0, -1);
        }
        finally
        {
            handles.Add(tiff);
        }
    }

    /// <summary>All blocks of the file (planes included), in storage order.</summary>
    public int BlockCount => BlocksAcross * BlocksDown * (Planar ? Bands : 1);

    public void Dispose()
    {
        while (handles.TryTake(out var tiff))
        {
            tiff.Dispose();
        }
    }

    internal static void CheckHeader(TiffHeader header, string name, GeoLimits limits)
    {
        string S(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        if (header.Width <= 0 || header.Height <= 0)
        {
            throw ProblemException.Invalid($"'{name}' declares a {S(header.Width)}x{S(header.Height)} image: the header is damaged");
        }

        if (header.Width > limits.MaxSide || header.Height > limits.MaxSide || header.Width * header.Height > limits.MaxPixels)
        {
            throw ProblemException.Invalid(
                $"'{name}' declares {S(header.Width)}x{S(header.Height)} pixels; the limit is {S(limits.MaxSide)} px a side and {S(limits.MaxPixels)} pixels; nothing was read");
        }

        if (header.SamplesPerPixel is <= 0 || header.SamplesPerPixel > limits.MaxBands)
        {
            throw ProblemException.Invalid($"'{name}' declares {S(header.SamplesPerPixel)} bands; the limit is {limits.MaxBands}; nothing was read");
        }

        var planes = header.PlanarConfig == 2 ? header.SamplesPerPixel : 1;
        var perPixel = (header.PlanarConfig == 2 ? 1 : header.SamplesPerPixel) * 4;
        long blockWidth = header.IsTiled ? header.TileWidth : header.Width;
        long blockHeight = header.IsTiled ? header.TileHeight : Math.Clamp(header.RowsPerStrip, 1, header.Height);
        if (header.IsTiled && (blockWidth % 16 != 0 || blockHeight % 16 != 0 || blockWidth > 65536 || blockHeight > 65536))
        {
            throw ProblemException.Invalid($"'{name}' declares {S(blockWidth)}x{S(blockHeight)} tiles; TIFF tiles are multiples of 16 pixels: the header is damaged");
        }

        if (blockWidth * blockHeight * perPixel > limits.MaxBlockBytes)
        {
            throw ProblemException.Invalid(header.IsTiled
                ? $"'{name}' has {S(blockWidth)}x{S(blockHeight)} tiles, larger than the {limits.MaxBlockBytes >> 20} MiB a tile may decode to"
                : $"'{name}' stores {S(blockHeight)} rows per strip ({S(blockWidth * blockHeight * perPixel >> 20)} MiB decoded), more than the {limits.MaxBlockBytes >> 20} MiB a strip may decode to: " +
                  "save the scene tiled (e.g. gdal_translate -co TILED=YES) or with fewer rows per strip");
        }

        var blocks = ((header.Width + blockWidth - 1) / blockWidth) * ((header.Height + blockHeight - 1) / blockHeight) * planes;
        if (blocks > limits.MaxBlocks)
        {
            throw ProblemException.Invalid($"'{name}' is cut into {S(blocks)} tiles or strips; the limit is {S(limits.MaxBlocks)}");
        }
    }

    private Tiff Rent()
    {
        if (handles.TryTake(out var tiff))
        {
            return tiff;
        }

        GeoTiffTags.EnsureRegistered();
        return Tiff.Open(Path, "r") ?? throw new IOException($"'{name}' could not be opened again: {GeoTiffTags.LastError}");
    }

    private byte[] Decode(int index, byte[] buffer)
    {
        int read;
        try
        {
            read = DecodeUncached(index, buffer);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or OverflowException or EndOfStreamException)
        {
            throw new InvalidDataException($"{(Tiled ? "tile" : "strip")} {index} of '{name}' is damaged: {e.Message}", e);
        }

        if (read < 0)
        {
            throw new InvalidDataException($"{(Tiled ? "tile" : "strip")} {index} of '{name}' could not be decoded: {GeoTiffTags.LastError ?? "damaged data"}");
        }

        return buffer;
    }
}
