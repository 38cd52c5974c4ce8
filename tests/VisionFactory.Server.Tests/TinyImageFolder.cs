using System.IO.Compression;
using SkiaSharp;

namespace VisionFactory.Server.Tests;

/// <summary>
/// A throw-away ImageFolder-layout dataset: 32x32 images, one distinct colour per class, each image made unique by
/// a small square at its own position (identical files would be merged by the import).
/// </summary>
public sealed class TinyImageFolder : IDisposable
{
    public static readonly (string Name, SKColor Colour, SKEncodedImageFormat Format)[] ThreeClasses =
    [
        ("blue", new SKColor(20, 40, 220), SKEncodedImageFormat.Png),
        ("green", new SKColor(30, 200, 40), SKEncodedImageFormat.Jpeg),
        ("red", new SKColor(220, 30, 30), SKEncodedImageFormat.Png),
    ];

    private TinyImageFolder(string root)
    {
        Root = root;
    }

    public string Root { get; }

    public static TinyImageFolder Create(int imagesPerClass = 12, params (string Name, SKColor Colour, SKEncodedImageFormat Format)[] classes)
    {
        var folder = new TinyImageFolder(Path.Combine(Path.GetTempPath(), "vf-server-tests", "images-" + Guid.NewGuid().ToString("N")[..12]));
        foreach (var (name, colour, format) in classes.Length == 0 ? ThreeClasses : classes)
        {
            Directory.CreateDirectory(Path.Combine(folder.Root, name));
            for (var i = 0; i < imagesPerClass; i++)
            {
                var extension = format == SKEncodedImageFormat.Png ? "png" : "jpg";
                File.WriteAllBytes(Path.Combine(folder.Root, name, $"{name}-{i:00}.{extension}"), Image(colour, i, format));
            }
        }

        return folder;
    }

    public static byte[] Image(SKColor colour, int variant, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = new SKBitmap(32, 32);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(colour);
            using var paint = new SKPaint { Color = SKColors.White };
            canvas.DrawRect(variant % 8 * 4, variant / 8 * 4 % 32, 4, 4, paint);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var encoded = image.Encode(format, 95);
        return encoded.ToArray();
    }

    public void AddFile(string relativePath, byte[] bytes)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    public string Zip()
    {
        var zip = Root + ".zip";
        ZipFile.CreateFromDirectory(Root, zip);
        return zip;
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }

        File.Delete(Root + ".zip");
    }
}
