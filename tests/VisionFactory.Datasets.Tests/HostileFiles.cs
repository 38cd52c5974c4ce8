using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>Hostile archives made in the test (the hostile images are <see cref="HostileImages"/>).</summary>
internal static class HostileFiles
{
    /// <summary>A .tar (or .tar.gz) with four cats and four dogs under pets/, plus the extra entries.</summary>
    public static string WriteTar(string folder, string name, params TarEntry[] extra)
    {
        var path = Path.Combine(folder, name);
        using (var file = File.Create(path))
        using (var compressed = name.EndsWith(".tar", StringComparison.Ordinal) ? null : new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new TarWriter((Stream?)compressed ?? file, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "pets/"));
            for (var i = 0; i < 4; i++)
            {
                writer.WriteEntry(FileEntry($"pets/cats/{i}.png", SyntheticImages.Encode(0, i)));
                writer.WriteEntry(FileEntry($"pets/dogs/{i}.png", SyntheticImages.Encode(1, i)));
            }

            foreach (var entry in extra)
            {
                writer.WriteEntry(entry);
            }
        }

        return path;
    }

    public static PaxTarEntry FileEntry(string name, byte[] content) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) };

    /// <summary>A real zip of 1 MiB of zeros whose central directory names the same data <paramref name="copies"/> times.</summary>
    public static string WriteOverlappingZip(string folder, int copies)
    {
        using var single = new MemoryStream();
        using (var zip = new ZipArchive(single, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var stream = zip.CreateEntry("pets/cats/00000.png", CompressionLevel.Optimal).Open();
            stream.Write(new byte[1048576]);
        }

        var bytes = single.ToArray();
        var eocd = LastIndexOf(bytes, 0x06054b50);
        var cdOffset = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(eocd + 16));
        var cdSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(eocd + 12));
        var header = bytes.AsSpan(cdOffset, cdSize).ToArray();
        var nameAt = 46 + header.AsSpan(46).IndexOf("00000.png"u8);

        var path = Path.Combine(folder, "overlap.zip");
        using var output = File.Create(path);
        output.Write(bytes.AsSpan(0, cdOffset));
        for (var i = 0; i < copies; i++)
        {
            System.Text.Encoding.ASCII.GetBytes(i.ToString("00000", System.Globalization.CultureInfo.InvariantCulture), header.AsSpan(nameAt));
            output.Write(header);
        }

        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), (ushort)copies);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), (ushort)copies);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)(cdSize * copies));
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), (uint)cdOffset);
        output.Write(end);
        return path;
    }

    /// <summary>Changes the uncompressed size a zip declares for <paramref name="entry"/> by <paramref name="by"/> bytes, in its local and central headers.</summary>
    public static void ChangeDeclaredSize(string zip, string entry, int by)
    {
        var bytes = File.ReadAllBytes(zip);
        var name = System.Text.Encoding.UTF8.GetBytes(entry);
        var patched = 0;
        for (var i = 0; i + 46 + name.Length <= bytes.Length; i++)
        {
            // Local header: 30 bytes, size at 22; central directory header: 46 bytes, size at 24; each followed by the name.
            var (header, sizeAt) = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) switch
            {
                0x04034b50 => (30, 22),
                0x02014b50 => (46, 24),
                _ => (0, 0),
            };
            if (header > 0 && bytes.AsSpan(i + header, name.Length).SequenceEqual(name))
            {
                var size = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i + sizeAt));
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + sizeAt), (uint)(size + by));
                patched++;
            }
        }

        Assert.Equal(2, patched);
        File.WriteAllBytes(zip, bytes);
    }

    /// <summary>A valid zip64 archive of <paramref name="count"/> empty stored entries, written directly.</summary>
    public static string WriteEmptyEntriesZip(string folder, int count)
    {
        var path = Path.Combine(folder, "million.zip");
        using var output = new BufferedStream(File.Create(path), 1 << 20);
        var name = new byte[10];
        var record = new byte[46 + name.Length];
        var offsets = new long[count];
        var local = new byte[30];
        long position = 0;
        for (var i = 0; i < count; i++)
        {
            Name(name, i);
            offsets[i] = position;
            BinaryPrimitives.WriteUInt32LittleEndian(local, 0x04034b50);
            BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(4), 10);
            BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(26), (ushort)name.Length);
            output.Write(local);
            output.Write(name);
            position += 30 + name.Length;
        }

        var cdOffset = position;
        for (var i = 0; i < count; i++)
        {
            Name(name, i);
            Array.Clear(record);
            BinaryPrimitives.WriteUInt32LittleEndian(record, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(4), 45);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(6), 10);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(28), (ushort)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(42), (uint)offsets[i]);
            name.CopyTo(record.AsSpan(46));
            output.Write(record);
            position += record.Length;
        }

        var cdSize = position - cdOffset;
        var zip64End = new byte[56];
        BinaryPrimitives.WriteUInt32LittleEndian(zip64End, 0x06064b50);
        BinaryPrimitives.WriteUInt64LittleEndian(zip64End.AsSpan(4), 44);
        BinaryPrimitives.WriteUInt16LittleEndian(zip64End.AsSpan(12), 45);
        BinaryPrimitives.WriteUInt16LittleEndian(zip64End.AsSpan(14), 45);
        BinaryPrimitives.WriteUInt64LittleEndian(zip64End.AsSpan(24), (ulong)count);
        BinaryPrimitives.WriteUInt64LittleEndian(zip64End.AsSpan(32), (ulong)count);
        BinaryPrimitives.WriteUInt64LittleEndian(zip64End.AsSpan(40), (ulong)cdSize);
        BinaryPrimitives.WriteUInt64LittleEndian(zip64End.AsSpan(48), (ulong)cdOffset);
        output.Write(zip64End);
        var locator = new byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064b50);
        BinaryPrimitives.WriteUInt64LittleEndian(locator.AsSpan(8), (ulong)position);
        BinaryPrimitives.WriteUInt32LittleEndian(locator.AsSpan(16), 1);
        output.Write(locator);
        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), 0xFFFF);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), 0xFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)cdSize);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), (uint)cdOffset);
        output.Write(end);
        return path;

        static void Name(byte[] name, int i)
        {
            "e/"u8.CopyTo(name);
            System.Text.Encoding.ASCII.GetBytes(i.ToString("00000000", System.Globalization.CultureInfo.InvariantCulture), name.AsSpan(2));
        }
    }

    private static int LastIndexOf(byte[] bytes, uint signature)
    {
        for (var i = bytes.Length - 4; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) == signature)
            {
                return i;
            }
        }

        throw new InvalidOperationException("signature not found");
    }
}
