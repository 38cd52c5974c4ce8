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
            var probabilities = network.Logits(network.Input.Apply(raw)).softmax(1).contiguous();
            var values = probabilities.data<float>().ToArray();
            var classes = (int)probabilities.shape[1];
            for (var i = 0; i < batch.Count; i++)
            {
                result.Add(values.AsSpan(i * classes, classes).ToArray());
            }
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
        var probabilities = network.HeadLogits(features).softmax(1).contiguous();
        var values = probabilities.data<float>().ToArray();
        var classes = (int)probabilities.shape[1];
        return Enumerable.Range(0, (int)probabilities.shape[0]).Select(i => values.AsSpan(i * classes, classes).ToArray()).ToArray();
    }
}
