using System.Buffers.Binary;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Import;

/// <summary>
/// Reads the entry count a .zip declares in its end-of-central-directory record (zip64 included) before the archive
/// is opened, so that an archive of a million empty entries is refused without building a million entry objects.
/// </summary>
internal static class ZipDirectory
{
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;

    public static void CheckDeclared(string path, ArchiveLimits limits)
    {
        var count = DeclaredEntries(path);
        if (count > limits.MaxEntries)
        {
            throw ProblemException.Invalid($"the archive has {count} entries; the limit is {limits.MaxEntries}; nothing was imported");
        }
    }

    /// <summary>The declared entry count, or 0 when no end record is found (the zip reader then reports the damage).</summary>
    private static long DeclaredEntries(string path)
    {
        using var file = File.OpenRead(path);
        var tailLength = (int)Math.Min(file.Length, 65535 + 22);
        if (tailLength < 22)
        {
            return 0;
        }

        var tail = new byte[tailLength];
        file.Seek(-tailLength, SeekOrigin.End);
        file.ReadExactly(tail);
        for (var i = tailLength - 22; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) != EndSignature)
            {
                continue;
            }

            long count = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(i + 10));
            if (count == 0xFFFF && i >= 20 && BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i - 20)) == Zip64LocatorSignature)
            {
                var offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(tail.AsSpan(i - 20 + 8));
                if (offset >= 0 && offset + 56 <= file.Length)
                {
                    var record = new byte[56];
                    file.Seek(offset, SeekOrigin.Begin);
                    file.ReadExactly(record);
                    if (BinaryPrimitives.ReadUInt32LittleEndian(record) == Zip64EndSignature)
                    {
                        count = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(32)), long.MaxValue);
                    }
                }
            }

            return count;
        }

        return 0;
    }
}
