using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Architectures;

namespace VisionFactory.Learning.Inference;

/// <summary>Classifies with TorchSharp; owns the network.</summary>
public sealed class TorchClassifierEngine(ClassifierNetwork network) : IClassifierEngine
{
    public ClassifierEngineKind Kind => ClassifierEngineKind.Torch;

    public ClassifierNetwork Network { get; } = network ?? throw new ArgumentNullException(nameof(network));

    public int ImageSize => Network.ImageSize;

    public SquareFit Fit => Network.Fit;

    public float[][] Probabilities(IReadOnlyList<byte[]> images, int batchSize, CancellationToken cancellationToken) =>
        ImageClassifier.Probabilities(Network, images, batchSize, cancellationToken);

    public void Dispose() => Network.Dispose();
}
