using SkiaSharp;
using VisionFactory.Imaging.Caching;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Imaging.Tests.Decoding;

/// <summary>
/// How pictures become the network's square (<see cref="SquareFit"/>): centre crops keep proportions and the middle,
/// and cached pixels keep the fits apart. That networks use the fits is tested with them (Learning.Tests).
/// </summary>
public sealed class SquareFitTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("vf-fit-").FullName;

    /// <summary>A 300 x 100 picture: red left third, green middle, blue right third.</summary>
    private static byte[] Stripes()
    {
        using var bitmap = new SKBitmap(300, 100);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.DrawRect(0, 0, 100, 100, new SKPaint { Color = SKColors.Red });
            canvas.DrawRect(100, 0, 100, 100, new SKPaint { Color = SKColors.Lime });
            canvas.DrawRect(200, 0, 100, 100, new SKPaint { Color = SKColors.Blue });
        }

        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    [Fact]
    public void ACentreCropKeepsTheMiddleAndAStretchKeepsEverything()
    {
        var (_, cropped) = ImageDecoder.DecodeSquare(Stripes(), 30, ImageLimits.Default, SquareFit.CenterCrop);
        var (_, stretched) = ImageDecoder.DecodeSquare(Stripes(), 30, ImageLimits.Default);

        Assert.Equal(30 * 30 * 3, cropped.Length);
        Assert.All(Enumerable.Range(0, 30 * 30), p => Assert.Equal([0, 255, 0], cropped.AsSpan(p * 3, 3).ToArray()));
        Assert.Equal([255, 0, 0], stretched.AsSpan(0, 3).ToArray());
        Assert.Equal([0, 255, 0], stretched.AsSpan(15 * 3, 3).ToArray());
        Assert.Equal([0, 0, 255], stretched.AsSpan(29 * 3, 3).ToArray());
    }

    [Fact]
    public void CachedPixelsOfTheTwoFitsAreKeptApart()
    {
        var cache = new PixelCache(root);
        var sha = new string('a', 64);
        cache.Write(sha, 2, new byte[12], SquareFit.CenterCrop);

        Assert.False(cache.TryRead(sha, 2, out _));
        Assert.True(cache.TryRead(sha, 2, out var rgb, SquareFit.CenterCrop));
        Assert.Equal(12, rgb.Length);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
