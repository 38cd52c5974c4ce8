using TorchSharp.PyBridge;
using VisionFactory.Domain;
using VisionFactory.Learning.Architectures;

namespace VisionFactory.Learning.Weights;

/// <summary>A user's weights file, checked against an architecture and converted to the safetensors the platform stores.</summary>
/// <param name="Safetensors">Every tensor of the file, as a safetensors file.</param>
/// <param name="HeadClasses">The number of classes of the file's own head (1000 when it has no head).</param>
/// <param name="Tensors">How many tensors the file holds.</param>
public sealed record ConvertedWeights(byte[] Safetensors, int HeadClasses, int Tensors);

/// <summary>Turns a user's checkpoint into imported pretrained weights of an architecture.</summary>
public static class WeightFileImport
{
    /// <summary>
    /// Reads <paramref name="path"/> (.pt / .pth state dict, .safetensors or .onnx), checks every name and shape
    /// against <paramref name="architecture"/> and converts it to safetensors; a mismatch is an invalid-input problem
    /// naming the file and what does not fit.
    /// </summary>
    public static ConvertedWeights Convert(ArchitectureDefinition architecture, string path)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var weights = WeightFileReader.Read(path);
        try
        {
            var headKey = architecture.HeadPath + ".weight";
            var headClasses = weights.TryGetValue(headKey, out var head) ? (int)head.shape[0] : 1000;
            using (var module = architecture.CreateModule(headClasses))
            {
                var report = StateDictLoader.Compare(module, weights);
                if (!report.IsMatch)
                {
                    throw ProblemException.Invalid($"'{Path.GetFileName(path)}' does not fit {architecture.Name}: {report}");
                }
            }

            using var buffer = new MemoryStream();
            Safetensors.SaveStateDict(buffer, weights, leaveOpen: true);
            return new ConvertedWeights(buffer.ToArray(), headClasses, weights.Count);
        }
        finally
        {
            foreach (var t in weights.Values)
            {
                t.Dispose();
            }
        }
    }
}
