using static TorchSharp.torch;

namespace VisionFactory.Learning.Weights;

/// <summary>Pretrained weights users imported for architectures that ship without any.</summary>
public interface IPretrainedWeightsSource
{
    /// <summary>The imported state dict of <paramref name="architecture"/> and a key naming it, or null; the caller owns the tensors.</summary>
    (string Key, Dictionary<string, Tensor> Weights)? Find(string architecture);
}
