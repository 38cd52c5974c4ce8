using SkiaSharp;

namespace VisionFactory.Testing;

/// <summary>
/// Small generated images that a classifier can tell apart: each class has its own base colour and a shape,
/// with per-image jitter so no two files are identical.
/// </summary>
public static class SyntheticImages
{
    private static readonly SKColor[] Colours =
    [
        new(220, 40, 40), new(40, 160, 60), new(40, 80, 220), new(230, 200, 40), new(160, 40, 200),
    ];

    /// <summary>Encodes one image of class <paramref name="classIndex"/>; <paramref name="variant"/> makes it unique.</summary>
    /// <param name="classIndex">Style (colour and shape).</param>
    /// <param name="variant">Seed of the per-image jitter.</param>
    /// <param name="size">Side in pixels.</param>
    /// <param name="format">Encoding.</param>
    /// <param name="distinct">
    /// Lays a per-image 4 x 4 pattern of lighter and darker cells under the shape, so that no two images are
    /// near-duplicates by perceptual hash (without it, images of one class differ only by jitter and a small offset).
    /// </param>
    public static byte[] Encode(int classIndex, int variant, int size = 32, SKEncodedImageFormat format = SKEncodedImageFormat.Png, bool distinct = false)
    {
        var random = new Random((classIndex * 7919) + variant);
        using var bitmap = new SKBitmap(size, size + (variant % 3), SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(bitmap);
        var baseColour = Colours[classIndex % Colours.Length];
        canvas.Clear(Jitter(baseColour, random, 25));
        if (distinct)
        {
            DrawCells(canvas, baseColour, bitmap.Width, bitmap.Height, new Random((classIndex * 104_729) + (variant * 31) + 17));
        }

        using var paint = new SKPaint { Color = Jitter(new SKColor((byte)(255 - baseColour.Red), (byte)(255 - baseColour.Green), (byte)(255 - baseColour.Blue)), random, 20), IsAntialias = true };
        var offset = random.Next(0, size / 4);
        if (classIndex % 2 == 0)
        {
            canvas.DrawCircle((size / 2f) + offset - (size / 8f), size / 2f, size / 4f, paint);
        }
        else
        {
            canvas.DrawRect(offset, offset, size / 2f, size / 2f, paint);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>Writes an ImageFolder-layout dataset: <c>root/&lt;class&gt;/&lt;n&gt;.png</c>.</summary>
    /// <param name="root">The dataset folder.</param>
    /// <param name="classes">Class folder names.</param>
    /// <param name="perClass">Images per class.</param>
    /// <param name="size">Side in pixels.</param>
    /// <param name="firstStyle">Style (colour and shape) of the first class; classes with other styles look different.</param>
    /// <param name="distinct">Makes every image distinct by perceptual hash too (see <see cref="Encode"/>).</param>
    public static void WriteDataset(string root, IReadOnlyList<string> classes, int perClass, int size = 32, int firstStyle = 0, bool distinct = false)
    {
        ArgumentNullException.ThrowIfNull(classes);
        for (var c = 0; c < classes.Count; c++)
        {
            var folder = Path.Combine(root, classes[c]);
            Directory.CreateDirectory(folder);
            for (var i = 0; i < perClass; i++)
            {
                var format = i % 2 == 0 ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg;
                var extension = format == SKEncodedImageFormat.Png ? "png" : "jpg";
                File.WriteAllBytes(Path.Combine(folder, $"{i:000}.{extension}"), Encode(firstStyle + c, i, size, format, distinct));
            }
        }
    }

    private static void DrawCells(SKCanvas canvas, SKColor baseColour, int width, int height, Random random)
    {
        const int cells = 4;
        using var paint = new SKPaint();
        for (var row = 0; row < cells; row++)
        {
            for (var column = 0; column < cells; column++)
            {
                var shift = random.Next(2) == 0 ? -45 : 45;
                paint.Color = new SKColor(
                    (byte)Math.Clamp(baseColour.Red + shift, 0, 255),
                    (byte)Math.Clamp(baseColour.Green + shift, 0, 255),
                    (byte)Math.Clamp(baseColour.Blue + shift, 0, 255));
                canvas.DrawRect(column * width / (float)cells, row * height / (float)cells, width / (float)cells, height / (float)cells, paint);
            }
        }
    }

    private static SKColor Jitter(SKColor colour, Random random, int amount) => new(
        (byte)Math.Clamp(colour.Red + random.Next(-amount, amount), 0, 255),
        (byte)Math.Clamp(colour.Green + random.Next(-amount, amount), 0, 255),
        (byte)Math.Clamp(colour.Blue + random.Next(-amount, amount), 0, 255));
}
