using System.Globalization;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Imaging.Caching;

/// <summary>
/// Decoded, resized RGB pixels on disk, keyed by the image's sha256, the side length and how the picture was made
/// square (<see cref="SquareFit"/>), so a second epoch or a
/// second run never decodes the same JPEG again. Files are written to a temporary name and renamed into place,
/// so a reader never sees half a file.
/// </summary>
public sealed class PixelCache(string root)
{
    public string Root { get; } = root;

    public bool TryRead(string sha256, int size, out byte[] rgb, SquareFit fit = SquareFit.Stretch)
    {
        var path = PathOf(sha256, size, fit);
        try
        {
            rgb = File.ReadAllBytes(path);
            if (rgb.Length == size * size * 3)
            {
                return true;
            }
        }
        catch (FileNotFoundException)
        {
        }
        catch (DirectoryNotFoundException)
        {
        }

        rgb = [];
        return false;
    }

    public void Write(string sha256, int size, byte[] rgb, SquareFit fit = SquareFit.Stretch)
    {
        if (rgb.Length != size * size * 3)
        {
            throw new ArgumentException($"expected {size * size * 3} bytes for {size}x{size} RGB, got {rgb.Length}", nameof(rgb));
        }

        var path = PathOf(sha256, size, fit);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        File.WriteAllBytes(temp, rgb);
        File.Move(temp, path, overwrite: true);
    }

    // Stretched pixels keep the folders they always had ("224"); centre crops go beside them ("224-crop").
    private string PathOf(string sha256, int size, SquareFit fit) => Path.Combine(
        Root,
        size.ToString(CultureInfo.InvariantCulture) + (fit == SquareFit.CenterCrop ? "-crop" : ""),
        sha256[..2],
        sha256 + ".rgb");
}
