using System.Buffers.Binary;
using System.IO.Hashing;
using SkiaSharp;

namespace VisionFactory.Testing;

/// <summary>Hostile images made in the test: lying headers and endless animations.</summary>
public static class HostileImages
{
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
}
