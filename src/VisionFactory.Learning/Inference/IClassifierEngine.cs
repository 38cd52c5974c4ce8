using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Learning.Inference;

/// <summary>The engines a trained model can classify with.</summary>
public enum ClassifierEngineKind
{
    /// <summary>TorchSharp (libtorch), the engine the model was trained in.</summary>
    Torch,

    /// <summary>ONNX Runtime, on the model's exported graph.</summary>
    Onnx,
}

/// <summary>
/// A loaded model that classifies square RGB images: the same contract whichever engine runs it, so callers (folder
/// classification, <c>vf predict</c>, model predictions) do not care which one was chosen.
/// </summary>
public interface IClassifierEngine : IDisposable
{
    ClassifierEngineKind Kind { get; }

    /// <summary>The side of the square images the network reads.</summary>
    int ImageSize { get; }

    /// <summary>How pictures are made square for it.</summary>
    SquareFit Fit { get; }

    /// <summary>Class probabilities, one row per image (interleaved RGB, <see cref="ImageSize"/> squared times 3 bytes each).</summary>
    float[][] Probabilities(IReadOnlyList<byte[]> images, int batchSize, CancellationToken cancellationToken);
}
