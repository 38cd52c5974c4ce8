using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Inference;

/// <summary>Class probabilities for batches of square RGB images.</summary>
public static class ImageClassifier
{
    public static float[][] Probabilities(
        ClassifierNetwork network, IReadOnlyList<byte[]> images, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(images);
        network.Module.eval();
        var result = new List<float[]>(images.Count);
        for (var start = 0; start < images.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = images.Skip(start).Take(batchSize).ToList();
            using var scope = NewDisposeScope();
            using var _ = inference_mode();
            var raw = BatchAssembler.Assemble(batch, network.ImageSize, network.Input.Bgr);
            result.AddRange(Rows(network.Logits(network.Input.Apply(raw)).softmax(1)));
        }

        return [.. result];
    }

    /// <summary>Probabilities from cached features through the network's linear head (frozen-backbone models).</summary>
    public static float[][] ProbabilitiesFromFeatures(ClassifierNetwork network, Tensor features)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        return Rows(network.HeadLogits(features).softmax(1));
    }

    private static float[][] Rows(Tensor matrix)
    {
        var values = matrix.contiguous().data<float>().ToArray();
        var width = (int)matrix.shape[1];
        return Enumerable.Range(0, (int)matrix.shape[0]).Select(i => values.AsSpan(i * width, width).ToArray()).ToArray();
    }
}
