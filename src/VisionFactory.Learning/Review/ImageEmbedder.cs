using VisionFactory.Imaging.Encoding;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Native;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Review;

/// <summary>
/// Embeddings of images for the dataset review: the pooled features of the bundled ImageNet ResNet-18 at a reduced
/// input side (<see cref="DefaultSize"/>; the network pools globally, so any side works), taken from the 224-pixel
/// cache the import already filled (no JPEG is decoded again) and area-averaged down, in batches.
/// </summary>
public sealed class ImageEmbedder(ArchitectureCatalog architectures, PixelSource pixels)
{
    /// <summary>The architecture whose backbone embeds images.</summary>
    public const string Architecture = "resnet18-imagenet";

    /// <summary>
    /// The input side the review embeds at: about half the time of 224 pixels, finding 65 of the 67 near-duplicate pairs
    /// of the masks corpus that 224 pixels find (7 of the 8 the hash misses); 112 and 96 pixels lose half of those 8
    /// (measured by the benchmark's <c>review-embed-size</c>).
    /// </summary>
    public const int DefaultSize = 128;

    /// <summary>The side of the cached pixels embeddings are made from (what the import writes).</summary>
    public const int SourceSize = 224;

    private const int BatchSize = 32;

    /// <summary>The input side this embedder uses.</summary>
    public int Size { get; init; } = DefaultSize;

    /// <summary>Names the backbone and input size, so stored embeddings of another backbone are never mixed in.</summary>
    public string Key => Architecture + "/" + Size;

    /// <summary>The embedding of every image, in order.</summary>
    public float[][] Embed(IReadOnlyList<string> sha256s, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sha256s);
        if (sha256s.Count == 0)
        {
            return [];
        }

        var architecture = architectures.Get(Architecture);
        using var network = architecture.Build(2, Size, loadPretrained: true);
        network.Module.eval();
        var result = new float[sha256s.Count][];
        var batches = Enumerable.Range(0, (sha256s.Count + BatchSize - 1) / BatchSize)
            .Select(b => sha256s.Skip(b * BatchSize).Take(BatchSize).ToArray())
            .ToList();

        // The next batch's pixels are read and reduced on the thread pool while the network runs on the current one.
        var next = Task.Run(() => Load(batches[0]), cancellationToken);
        var done = 0;
        for (var b = 0; b < batches.Count; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rgb = next.GetAwaiter().GetResult();
            if (b + 1 < batches.Count)
            {
                var following = batches[b + 1];
                next = Task.Run(() => Load(following), cancellationToken);
            }

            using (NewDisposeScope())
            using (inference_mode())
            {
                var raw = BatchAssembler.Assemble(rgb, Size, network.Input.Bgr);
                var values = network.Features(network.Input.Apply(raw)).contiguous().data<float>().ToArray();
                for (var i = 0; i < rgb.Count; i++)
                {
                    result[done + i] = values.AsSpan(i * network.FeatureCount, network.FeatureCount).ToArray();
                }
            }

            done += rgb.Count;
            progress?.Report((done, sha256s.Count));
        }

        return result;
    }

    private List<byte[]> Load(string[] shas) =>
        shas.AsParallel().AsOrdered()
            .Select(sha => Size == SourceSize ? pixels.Read(sha, SourceSize) : RgbDownscale.Square(pixels.Read(sha, SourceSize), SourceSize, Size))
            .ToList();
}
