using System.Globalization;
using System.Runtime.InteropServices;

namespace VisionFactory.Learning.Data;

/// <summary>
/// Pooled backbone features of images, per architecture and image size, keyed by the image's sha256. A frozen
/// pretrained backbone gives the same features every time, so head-only runs compute them once per image.
/// </summary>
public sealed class FeatureCache(string root)
{
    public bool TryRead(string architecture, int size, string sha256, int width, out float[] features)
    {
        try
        {
            var bytes = File.ReadAllBytes(PathOf(architecture, size, sha256));
            if (bytes.Length == width * sizeof(float))
            {
                features = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
                return true;
            }
        }
        catch (FileNotFoundException)
        {
        }
        catch (DirectoryNotFoundException)
        {
        }

        features = [];
        return false;
    }

    public void Write(string architecture, int size, string sha256, ReadOnlySpan<float> features)
    {
        var path = PathOf(architecture, size, sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        File.WriteAllBytes(temp, MemoryMarshal.AsBytes(features).ToArray());
        File.Move(temp, path, overwrite: true);
    }

    private string PathOf(string architecture, int size, string sha256) =>
        Path.Combine(root, architecture, size.ToString(CultureInfo.InvariantCulture), sha256[..2], sha256 + ".f32");
}
