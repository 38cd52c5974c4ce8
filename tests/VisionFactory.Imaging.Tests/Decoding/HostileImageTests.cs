using System.Diagnostics;
using SkiaSharp;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Testing;

namespace VisionFactory.Imaging.Tests.Decoding;

/// <summary>Images that lie about their size, animate forever, or arrive damaged (security-and-faults.md, image decoding).</summary>
public sealed class HostileImageTests
{
    public static TheoryData<string, byte[], string> PixelFloods => new()
    {
        { "PNG 50000x50000", HostileImages.PngClaiming(50_000, 50_000), "megapixel limit" },
        { "PNG 1x500000000", HostileImages.PngClaiming(1, 500_000_000), "at least 8 pixels" },
        { "PNG 500000000x8", HostileImages.PngClaiming(500_000_000, 8), "megapixel limit" },
        { "JPEG 65535x65535", HostileImages.JpegClaiming(65_535, 65_535), "megapixel limit" },
    };

    [Theory]
    [MemberData(nameof(PixelFloods))]
    public void PixelFloodIsRejectedFromTheHeaderBeforeAnyPixelBuffer(string what, byte[] encoded, string limit)
    {
        var clock = Stopwatch.StartNew();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.Throws<ImageRejectedException>(() => ImageDecoder.DecodeSquare(encoded, 32, ImageLimits.Default));

        Assert.True(e.Message.Contains(limit, StringComparison.Ordinal), e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"{what} took {clock.Elapsed}");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < 1 << 20, $"{what} allocated pixel memory");
    }

    [Fact]
    public void AnimatedGifWithTenThousandFramesDecodesItsFirstFrameOnly()
    {
        var gif = HostileImages.AnimatedGif(10_000);
        using (var codec = SKCodec.Create(new SKMemoryStream(gif)))
        {
            Assert.Equal(10_000, codec.FrameCount);
        }

        var clock = Stopwatch.StartNew();
        var (header, rgb) = ImageDecoder.DecodeSquare(gif, 16, ImageLimits.Default);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Equal(("gif", 16, 16), (header.Format, header.Width, header.Height));
        Assert.Equal(16 * 16 * 3, rgb.Length);
    }

    [Fact]
    public void AnimatedWebpWithTenThousandFramesDecodesItsFirstFrameOnly()
    {
        var webp = HostileImages.AnimatedWebp(10_000);
        using (var codec = SKCodec.Create(new SKMemoryStream(webp)))
        {
            Assert.NotNull(codec);
            Assert.Equal(10_000, codec.FrameCount);
        }

        var clock = Stopwatch.StartNew();
        var (header, rgb) = ImageDecoder.DecodeSquare(webp, 16, ImageLimits.Default);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Equal(("webp", 16, 16), (header.Format, header.Width, header.Height));
        Assert.Equal((200, 30, 30), (rgb[0], rgb[1], rgb[2]));
    }

    [Fact]
    public void TruncatedAndBitFlippedImagesDecodeOrAreRejectedWithoutCrashOrLeakedHandles()
    {
        byte[][] originals =
        [
            SyntheticImages.Encode(0, 1, 32, SKEncodedImageFormat.Jpeg),
            SyntheticImages.Encode(1, 2, 32, SKEncodedImageFormat.Png),
            SyntheticImages.Encode(2, 3, 32, SKEncodedImageFormat.Webp),
            HostileImages.AnimatedGif(40),
        ];
        var random = new Random(20261126);
        var handlesBefore = OpenHandles();
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var cases = 0;
        foreach (var original in originals)
        {
            for (var n = 0; n < 600; n++)
            {
                var mutated = n < 200
                    ? original[..(int)((long)original.Length * n / 200)]
                    : Flip(original, random, 1 + (n % 8));
                cases++;
                try
                {
                    var (header, rgb) = ImageDecoder.DecodeSquare(mutated, 16, ImageLimits.Default);
                    Assert.Equal(16 * 16 * 3, rgb.Length);
                    Assert.InRange(header.Width, 8, 100_000);
                    Count(outcomes, "decoded");
                }
                catch (ImageRejectedException e)
                {
                    Assert.False(string.IsNullOrWhiteSpace(e.Message));
                    Count(outcomes, e.Message.Split('(')[0].Trim());
                }
            }
        }

        Assert.Equal(2400, cases);
        Assert.True(outcomes["decoded"] > 100, string.Join("; ", outcomes.Select(o => $"{o.Key}: {o.Value}")));
        Assert.True(outcomes.Count > 2, string.Join("; ", outcomes.Select(o => $"{o.Key}: {o.Value}")));
        Assert.InRange(OpenHandles(), 0, handlesBefore + 16);
    }

    private static byte[] Flip(byte[] original, Random random, int bits)
    {
        var copy = (byte[])original.Clone();
        for (var i = 0; i < bits; i++)
        {
            copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        }

        return copy;
    }

    private static void Count(Dictionary<string, int> outcomes, string key) =>
        outcomes[key] = outcomes.GetValueOrDefault(key) + 1;

    private static int OpenHandles() => Directory.GetFiles("/proc/self/fd").Length;
}
