using System.Buffers.Binary;
using System.Numerics;

namespace VisionFactory.Imaging.Quality;

/// <summary>
/// The 256-bit difference hash (dHash) of an image: the luminance is averaged over 17 x 16 cells, and each bit says
/// whether a cell is brighter than its left neighbour (16 x 16 bits). Every bit describes one small region, so an
/// object pasted onto a photo (a drawn mask on a face) changes only the bits it covers, where the DCT hash
/// (<see cref="PerceptualHash"/>), built from whole-image frequencies, can move past its radius. The two together find
/// the "same photo, one thing added" pairs a split must keep together.
/// </summary>
/// <remarks>
/// Flat regions compare as "not brighter", so pictures that are mostly plain background (documents, product shots,
/// drawings) have hashes of nearly all zeros and would all look alike: only <see cref="IsInformative"/> hashes are
/// compared. On the masks corpus every photo's hash has between 67 and 173 bits set.
/// </remarks>
public readonly record struct DifferenceHash(ulong Bits0, ulong Bits1, ulong Bits2, ulong Bits3)
{
    /// <summary>Bits in the hash.</summary>
    public const int Bits = 256;

    /// <summary>Bytes of <see cref="ToBytes"/>.</summary>
    public const int ByteCount = Bits / 8;

    /// <summary>The fewest bits set, and the fewest clear, of an informative hash (about a fifth of them).</summary>
    public const int MinimumBitsEachWay = 48;

    private const int Columns = 16;
    private const int Rows = 16;

    /// <summary>The hash of a square RGB image of side <paramref name="side"/> (3 bytes per pixel, rows top to bottom).</summary>
    public static DifferenceHash Of(ReadOnlySpan<byte> rgb, int side) =>
        OfFineGrid(LuminanceGrid.Of(rgb, side, PerceptualHash.GridSide, PerceptualHash.GridSide));

    /// <summary>
    /// Both hashes of square RGB pixels from one pass over them: the difference hash's 17 x 16 cells are area averages
    /// of the perceptual hash's 32 x 32 grid.
    /// </summary>
    public static (ulong Perceptual, DifferenceHash Difference) BothOf(ReadOnlySpan<byte> rgb, int side)
    {
        var grid = LuminanceGrid.Of(rgb, side, PerceptualHash.GridSide, PerceptualHash.GridSide);
        return (PerceptualHash.OfGrid(grid), OfFineGrid(grid));
    }

    // From the 32 x 32 grid: row pairs averaged, and each of the 17 columns the area-weighted mean of the fine columns
    // it covers (a fine column is 17/32 of a coarse one wide).
    private static DifferenceHash OfFineGrid(double[] fine)
    {
        const int side = PerceptualHash.GridSide;
        const int columns = Columns + 1;
        var grid = new double[columns * Rows];
        for (var y = 0; y < Rows; y++)
        {
            for (var x = 0; x < columns; x++)
            {
                // The coarse column spans [x * 32 / 17, (x + 1) * 32 / 17) in fine columns.
                var from = x * side / (double)columns;
                var to = (x + 1) * side / (double)columns;
                double sum = 0;
                for (var f = (int)from; f < to && f < side; f++)
                {
                    var weight = Math.Min(to, f + 1) - Math.Max(from, f);
                    sum += weight * (fine[(2 * y * side) + f] + fine[(((2 * y) + 1) * side) + f]);
                }

                grid[(y * columns) + x] = sum / (2 * (to - from));
            }
        }

        Span<ulong> words = stackalloc ulong[4];
        words.Clear();
        for (var y = 0; y < Rows; y++)
        {
            for (var x = 0; x < Columns; x++)
            {
                if (grid[(y * (Columns + 1)) + x + 1] > grid[(y * (Columns + 1)) + x])
                {
                    var bit = (y * Columns) + x;
                    words[bit >> 6] |= 1UL << (bit & 63);
                }
            }
        }

        return new DifferenceHash(words[0], words[1], words[2], words[3]);
    }

    /// <summary>The hash stored by <see cref="ToBytes"/>.</summary>
    public static DifferenceHash FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != ByteCount)
        {
            throw new ArgumentException($"a difference hash is {ByteCount} bytes, not {bytes.Length}", nameof(bytes));
        }

        return new DifferenceHash(
            BinaryPrimitives.ReadUInt64LittleEndian(bytes),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]));
    }

    /// <summary>
    /// Whether enough of the picture varies for the hash to tell it from others: at least
    /// <see cref="MinimumBitsEachWay"/> bits set and as many clear.
    /// </summary>
    public bool IsInformative => PopCount is >= MinimumBitsEachWay and <= Bits - MinimumBitsEachWay;

    private int PopCount =>
        BitOperations.PopCount(Bits0) + BitOperations.PopCount(Bits1) + BitOperations.PopCount(Bits2) + BitOperations.PopCount(Bits3);

    /// <summary>The number of bits in which two hashes differ (0 = the same picture to this hash).</summary>
    public int DistanceTo(DifferenceHash other) =>
        BitOperations.PopCount(Bits0 ^ other.Bits0) + BitOperations.PopCount(Bits1 ^ other.Bits1)
        + BitOperations.PopCount(Bits2 ^ other.Bits2) + BitOperations.PopCount(Bits3 ^ other.Bits3);

    /// <summary><paramref name="length"/> (at most 32) bits from bit <paramref name="start"/>, as a number.</summary>
    public ulong Slice(int start, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 32);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + length, Bits);
        var word = start >> 6;
        var shift = start & 63;
        var value = Word(word) >> shift;
        if (shift + length > 64)
        {
            value |= Word(word + 1) << (64 - shift);
        }

        return value & ((1UL << length) - 1);
    }

    /// <summary>The hash as 32 little-endian bytes, for storage.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[ByteCount];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, Bits0);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), Bits1);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), Bits2);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24), Bits3);
        return bytes;
    }

    private ulong Word(int index) => index switch
    {
        0 => Bits0,
        1 => Bits1,
        2 => Bits2,
        _ => Bits3,
    };
}
