using SkiaSharp;

namespace VisionFactory.Testing;

/// <summary>
/// Small generated images for dataset review tests: every image is a different scene (random shapes on a random
/// two-colour gradient), so a clean set has no near-duplicates, while a class keeps its palette and its shape (warm
/// circles, cool rectangles, ...), so a pretrained backbone tells the classes apart.
/// </summary>
public static class ReviewImages
{
    private static readonly SKColor[][] Palettes =
    [
        [new(230, 60, 40), new(250, 160, 30), new(200, 30, 90)],
        [new(40, 90, 220), new(30, 180, 200), new(90, 60, 200)],
        [new(40, 170, 60), new(150, 200, 40), new(20, 120, 90)],
    ];

    /// <summary>A PNG of class <paramref name="classIndex"/>, scene number <paramref name="variant"/>.</summary>
    public static byte[] Encode(int classIndex, int variant, int width = 64, int height = 64, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = Draw(classIndex, variant, width, height);
        return EncodeBitmap(bitmap, format, 92);
    }

    /// <summary>The same scene re-encoded as a JPEG at another quality and scaled to <paramref name="scale"/> of its size.</summary>
    public static byte[] Variant(int classIndex, int variant, double scale, int quality)
    {
        var side = (int)Math.Round(64 * scale);
        using var bitmap = Draw(classIndex, variant, 64, 64);
        using var resized = bitmap.Resize(new SKImageInfo(side, side), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        return EncodeBitmap(resized, SKEncodedImageFormat.Jpeg, quality);
    }

    /// <summary>A uniform image of one colour (e.g. black).</summary>
    public static byte[] Uniform(SKColor colour, int width, int height)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        bitmap.Erase(colour);
        return EncodeBitmap(bitmap, SKEncodedImageFormat.Png, 100);
    }

    /// <summary>Writes <c>root/&lt;class&gt;/&lt;class&gt;-NNN.png</c>, <paramref name="perClass"/> scenes per class.</summary>
    public static void WriteDataset(string root, IReadOnlyList<string> classes, int perClass)
    {
        ArgumentNullException.ThrowIfNull(classes);
        for (var c = 0; c < classes.Count; c++)
        {
            Directory.CreateDirectory(Path.Combine(root, classes[c]));
            for (var i = 0; i < perClass; i++)
            {
                File.WriteAllBytes(Path.Combine(root, classes[c], $"{classes[c]}-{i:000}.png"), Encode(c, i));
            }
        }
    }

    private static SKBitmap Draw(int classIndex, int variant, int width, int height)
    {
        var random = new Random((classIndex * 100_003) + variant);
        var palette = Palettes[classIndex % Palettes.Length];
        var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(bitmap);
        using var background = new SKPaint
        {
            Shader = SKShader.CreateLinearGradient(
                new SKPoint(random.Next(width), 0), new SKPoint(random.Next(width), height),
                [Grey(random, 70, 150), Grey(random, 110, 190)], SKShaderTileMode.Clamp),
        };
        canvas.DrawRect(0, 0, width, height, background);
        var shapes = random.Next(4, 8);
        for (var s = 0; s < shapes; s++)
        {
            using var paint = new SKPaint { Color = palette[random.Next(palette.Length)], IsAntialias = true };
            var x = random.Next(width);
            var y = random.Next(height);
            var r = random.Next(Math.Max(2, width / 10), Math.Max(3, width / 4));
            if (classIndex % 2 == 0)
            {
                canvas.DrawCircle(x, y, r, paint);
            }
            else
            {
                canvas.DrawRect(x - r, y - (r / 2), r * 2, r, paint);
            }
        }

        return bitmap;
    }

    private static SKColor Grey(Random random, int low, int high)
    {
        var v = (byte)random.Next(low, high);
        return new SKColor(v, v, v);
    }

    private static byte[] EncodeBitmap(SKBitmap bitmap, SKEncodedImageFormat format, int quality)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }
}
