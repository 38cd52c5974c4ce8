using static TorchSharp.torch;

namespace VisionFactory.Learning.Data;

/// <summary>Packs square RGB byte images into a [N, 3, S, S] float tensor of 0..255 values.</summary>
public static class BatchAssembler
{
    /// <param name="images">Interleaved RGB, S*S*3 bytes each.</param>
    /// <param name="size">The side S.</param>
    /// <param name="bgr">Emit channels as blue, green, red.</param>
    /// <param name="flip">Per image, whether to mirror it left-right; null for none.</param>
    public static Tensor Assemble(IReadOnlyList<byte[]> images, int size, bool bgr, IReadOnlyList<bool>? flip = null) =>
        tensor(Planar(images, size, bgr, flip), [images.Count, 3, size, size]);

    /// <summary>The same values as <see cref="Assemble"/>, as a plain [N, 3, S, S] array (for engines other than TorchSharp).</summary>
    public static float[] Planar(IReadOnlyList<byte[]> images, int size, bool bgr, IReadOnlyList<bool>? flip = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        var plane = size * size;
        var data = new float[images.Count * 3 * plane];
        Parallel.For(0, images.Count, n =>
        {
            var rgb = images[n];
            var mirrored = flip?[n] ?? false;
            var offset = n * 3 * plane;
            for (var c = 0; c < 3; c++)
            {
                var source = bgr ? 2 - c : c;
                var target = offset + (c * plane);
                for (var y = 0; y < size; y++)
                {
                    var row = y * size;
                    for (var x = 0; x < size; x++)
                    {
                        var sx = mirrored ? size - 1 - x : x;
                        data[target + row + x] = rgb[((row + sx) * 3) + source];
                    }
                }
            }
        });
        return data;
    }
}
