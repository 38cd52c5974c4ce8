using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.IO.Hashing;
using SkiaSharp;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>Hostile inputs made in the test: crafted archives, lying image headers, animations, mutated files.</summary>
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

    /// <summary>A real PNG whose header claims <paramref name="width"/> x <paramref name="height"/> (IHDR checksum fixed).</summary>
    public static byte[] PngClaiming(int width, int height)
    {
        var png = SyntheticImages.Encode(0, 1, 16);
        // Signature (8), length (4), "IHDR" (4), then width and height; the CRC covers type and data (17 bytes).
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32.HashToUInt32(png.AsSpan(12, 17)));
        return png;
    }

    /// <summary>A real JPEG whose start-of-frame claims <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static byte[] JpegClaiming(int width, int height)
    {
        var jpeg = SyntheticImages.Encode(0, 1, 16, SKEncodedImageFormat.Jpeg);
        for (var i = 2; i < jpeg.Length - 9; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC1 or 0xC2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 5), (ushort)height);
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 7), (ushort)width);
                return jpeg;
            }
        }

        throw new InvalidOperationException("no start-of-frame marker in the encoded JPEG");
    }

    /// <summary>An animated GIF on a 16x16 screen with <paramref name="frames"/> one-pixel frames.</summary>
    public static byte[] AnimatedGif(int frames)
    {
        using var gif = new MemoryStream();
        gif.Write("GIF89a"u8);
        gif.Write([16, 0, 16, 0, 0x80, 0, 0]); // screen 16x16, global colour table of 2 entries
        gif.Write([255, 0, 0, 0, 0, 255]);
        gif.Write([0x21, 0xFF, 11, .. "NETSCAPE2.0"u8, 3, 1, 0, 0, 0]); // loop forever
        for (var i = 0; i < frames; i++)
        {
            gif.Write([0x21, 0xF9, 4, 0, 1, 0, 0, 0]); // graphic control: 10 ms
            gif.Write([0x2C, (byte)(i % 16), 0, (byte)(i / 16 % 16), 0, 1, 0, 1, 0, 0]); // one pixel somewhere
            gif.Write([2, 2, 0x44, 0x01, 0]); // LZW: clear, index 0, end
        }

        gif.WriteByte(0x3B);
        return gif.ToArray();
    }

    /// <summary>An animated WebP of <paramref name="frames"/> frames, each the lossless bitstream of a small image.</summary>
    public static byte[] AnimatedWebp(int frames)
    {
        using var bitmap = new SKBitmap(16, 16);
        bitmap.Erase(new SKColor(200, 30, 30));
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100))!;
        var still = data.ToArray();
        var vp8l = still.AsSpan(12).IndexOf("VP8L"u8) + 12;
        var chunkLength = BinaryPrimitives.ReadInt32LittleEndian(still.AsSpan(vp8l + 4));
        var chunk = still.AsSpan(vp8l, 8 + chunkLength + (chunkLength & 1)).ToArray();

        using var body = new MemoryStream();
        body.Write("WEBP"u8);
        var vp8x = new byte[18];
        "VP8X"u8.CopyTo(vp8x);
        vp8x[4] = 10;
        vp8x[8] = 0x02; // animation
        WriteUInt24(vp8x.AsSpan(12), 15);
        WriteUInt24(vp8x.AsSpan(15), 15);
        body.Write(vp8x);
        body.Write([.. "ANIM"u8, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        var frame = new byte[8 + 16 + chunk.Length];
        "ANMF"u8.CopyTo(frame);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), 16 + chunk.Length);
        WriteUInt24(frame.AsSpan(14), 15);
        WriteUInt24(frame.AsSpan(17), 15);
        WriteUInt24(frame.AsSpan(20), 10);
        chunk.CopyTo(frame.AsSpan(24));
        for (var i = 0; i < frames; i++)
        {
            body.Write(frame);
        }

        var riff = new byte[8 + body.Length];
        "RIFF"u8.CopyTo(riff);
        BinaryPrimitives.WriteInt32LittleEndian(riff.AsSpan(4), (int)body.Length);
        body.ToArray().CopyTo(riff.AsSpan(8));
        return riff;

        static void WriteUInt24(Span<byte> target, int value)
        {
            target[0] = (byte)value;
            target[1] = (byte)(value >> 8);
            target[2] = (byte)(value >> 16);
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
