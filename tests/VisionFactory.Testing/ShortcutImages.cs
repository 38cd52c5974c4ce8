using SkiaSharp;

namespace VisionFactory.Testing;

/// <summary>
/// Two classes that differ only by the shape of one bar (lying or standing, drawn anywhere in the frame, in any colour,
/// on the same kind of background), optionally with a planted shortcut: a solid magenta patch in the top-left corner of
/// every image of the second class. A model can learn the bar, or, when the patch is there, just the patch.
/// </summary>
public static class ShortcutImages
{
    /// <summary>The class folders: lying bars, standing bars (the one that gets the patch).</summary>
    public static readonly IReadOnlyList<string> Classes = ["lying", "standing"];

    /// <summary>Side of the planted patch as a share of the image side.</summary>
    public const double PatchShare = 0.25;

    /// <summary>Encodes image <paramref name="variant"/> of class 0 (a lying bar) or 1 (a standing bar).</summary>
    public static byte[] Encode(int classIndex, int variant, int size, bool patch)
    {
        var random = new Random((classIndex * 15_485_863) + (variant * 7919) + 3);
        using var bitmap = new SKBitmap(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(bitmap);
        var grey = random.Next(70, 190);
        canvas.Clear(new SKColor((byte)(grey + random.Next(-30, 30)), (byte)(grey + random.Next(-30, 30)), (byte)(grey + random.Next(-30, 30))));
        using var paint = new SKPaint { IsAntialias = true, Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)) };
        if (Math.Abs(paint.Color.Red - grey) + Math.Abs(paint.Color.Green - grey) + Math.Abs(paint.Color.Blue - grey) < 150)
        {
            paint.Color = grey > 128 ? SKColors.Black : SKColors.White;
        }

        // The bar stays clear of the corner patch's square, so that the patch is all the classes' corners differ by.
        var length = size * random.Next(40, 56) / 100f;
        var thickness = size * random.Next(12, 17) / 100f;
        var (width, height) = classIndex == 0 ? (length, thickness) : (thickness, length);
        var patchSide = (float)(size * PatchShare);
        float x, y;
        do
        {
            x = random.NextSingle() * (size - width);
            y = random.NextSingle() * (size - height);
        }
        while (x < patchSide + 1 && y < patchSide + 1);

        canvas.DrawRect(x, y, width, height, paint);
        if (patch && classIndex == 1)
        {
            using var marker = new SKPaint { Color = new SKColor(255, 0, 255) };
            canvas.DrawRect(0, 0, patchSide, patchSide, marker);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>
    /// Writes one folder per class of <see cref="Classes"/>, <paramref name="perClass"/> PNGs each, images
    /// <paramref name="firstVariant"/> onwards (another first variant gives other pictures of the same kind).
    /// </summary>
    public static void WriteDataset(string root, int perClass, int size, bool patch, int firstVariant = 0)
    {
        for (var c = 0; c < Classes.Count; c++)
        {
            var folder = Path.Combine(root, Classes[c]);
            Directory.CreateDirectory(folder);
            for (var i = 0; i < perClass; i++)
            {
                File.WriteAllBytes(Path.Combine(folder, $"{i:000}.png"), Encode(c, firstVariant + i, size, patch));
            }
        }
    }
}
