using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Weights;

/// <summary>Where imported weights are kept: one safetensors file per architecture (see <see cref="WeightFileImport"/>).</summary>
public interface IImportedWeightsFiles
{
    /// <summary>The safetensors file of <paramref name="architecture"/>'s imported weights and a key naming them, or null.</summary>
    (string Key, string Path)? Find(string architecture);
}

/// <summary>Imported pretrained weights for the trainer, read from the safetensors files <see cref="IImportedWeightsFiles"/> names.</summary>
public sealed class SafetensorsWeightsSource(IImportedWeightsFiles files) : IPretrainedWeightsSource
{
    public (string Key, Dictionary<string, Tensor> Weights)? Find(string architecture)
    {
        if (files.Find(architecture) is not { } found)
        {
            return null;
        }

        using var stream = File.OpenRead(found.Path);
        return (found.Key, Safetensors.LoadStateDict(stream));
    }
}
