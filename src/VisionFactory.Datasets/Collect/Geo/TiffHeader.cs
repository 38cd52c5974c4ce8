using System.Buffers.Binary;

namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>
/// The layout a TIFF file claims in its first directory, read from the raw bytes (classic TIFF and BigTIFF) before
/// LibTiff opens the file: LibTiff sizes its strip and tile tables from these numbers, so absurd ones are refused first.
/// </summary>
internal sealed record TiffHeader(long Width, long Height, long SamplesPerPixel, long RowsPerStrip, long TileWidth, long TileHeight, long PlanarConfig)
{
    private const int MaxEntries = 4096;

    public bool IsTiled => TileWidth > 0 && TileHeight > 0;

    /// <summary>Reads the first directory of <paramref name="stream"/>; a reason when it is not a TIFF.</summary>
    public static TiffHeader Read(Stream stream, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(stream);
        problem = null;
        var head = new byte[16];
        if (stream.ReadAtLeast(head, 16, throwOnEndOfStream: false) < 8)
        {
            problem = "is too short to be a TIFF file";
            return Empty;
        }

        var little = head[0] == (byte)'I' && head[1] == (byte)'I';
        if (!little && !(head[0] == (byte)'M' && head[1] == (byte)'M'))
        {
            problem = "is not a TIFF file (no II / MM byte-order mark)";
            return Empty;
        }

        var magic = U16(head.AsSpan(2), little);
        var big = magic == 43;
        if (magic != 42 && !big)
        {
            problem = "is not a TIFF file (its version is neither 42 nor 43)";
            return Empty;
        }

        var ifd = big ? (long)U64(head.AsSpan(8), little) : U32(head.AsSpan(4), little);
        if (ifd < 8 || ifd >= stream.Length)
        {
            problem = "has no image directory inside the file";
            return Empty;
        }

        stream.Position = ifd;
        var countBytes = new byte[8];
        stream.ReadExactly(countBytes, 0, big ? 8 : 2);
        var count = big ? (long)U64(countBytes, little) : U16(countBytes, little);
        if (count is <= 0 or > MaxEntries)
        {
            problem = $"has an image directory of {count} entries (at most {MaxEntries} are read)";
            return Empty;
        }

        var entrySize = big ? 20 : 12;
        var entries = new byte[count * entrySize];
        if (stream.ReadAtLeast(entries, entries.Length, throwOnEndOfStream: false) < entries.Length)
        {
            problem = "ends inside its image directory";
            return Empty;
        }

        long width = 0, height = 0, samples = 1, rows = -1, tileWidth = 0, tileHeight = 0, planar = 1;
        for (var i = 0; i < count; i++)
        {
            var entry = entries.AsSpan(i * entrySize, entrySize);
            var tag = U16(entry, little);
            var type = U16(entry[2..], little);
            var value = entry[(big ? 12 : 8)..];
            long number = type switch
            {
                3 => U16(value, little),
                4 => U32(value, little),
                16 => (long)Math.Min(U64(value, little), long.MaxValue),
                _ => -1,
            };
            switch (tag)
            {
                case 256: width = number; break;
                case 257: height = number; break;
                case 277: samples = number; break;
                case 278: rows = number; break;
                case 284: planar = number; break;
                case 322: tileWidth = number; break;
                case 323: tileHeight = number; break;
            }
        }

        return new TiffHeader(width, height, samples, rows < 0 ? height : rows, tileWidth, tileHeight, planar);
    }

    private static TiffHeader Empty { get; } = new(0, 0, 0, 0, 0, 0, 1);

    private static ushort U16(ReadOnlySpan<byte> b, bool little) => little ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b);

    private static uint U32(ReadOnlySpan<byte> b, bool little) => little ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b);

    private static ulong U64(ReadOnlySpan<byte> b, bool little) => little ? BinaryPrimitives.ReadUInt64LittleEndian(b) : BinaryPrimitives.ReadUInt64BigEndian(b);
}
