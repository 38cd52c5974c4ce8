using System.Text.RegularExpressions;
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
public static partial class WeightFileImport
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
                AdaptTorchVisionNames(weights, module.state_dict().Keys.ToHashSet(StringComparer.Ordinal));
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

    /// <summary>
    /// The ways torchvision's published files differ from the networks it builds, undone as torchvision and PyTorch
    /// undo them when loading: DenseNet files from before PyTorch 0.4 name a dense layer's parts <c>norm.1</c> /
    /// <c>conv.2</c> where the network has <c>norm1</c> / <c>conv2</c>; the GoogLeNet file carries the auxiliary training
    /// heads (<c>aux1.</c>, <c>aux2.</c>) that a network built without them drops; and files saved before PyTorch 0.4.1
    /// have no batch-norm <c>num_batches_tracked</c> counters, which PyTorch's loader then sets to 0. Only keys the
    /// network lacks or the file lacks are touched.
    /// </summary>
    private static void AdaptTorchVisionNames(Dictionary<string, TorchSharp.torch.Tensor> weights, HashSet<string> expected)
    {
        foreach (var counter in expected.Where(k => k.EndsWith(".num_batches_tracked", StringComparison.Ordinal) && !weights.ContainsKey(k)).ToList())
        {
            var parent = counter[..^"num_batches_tracked".Length];
            if (weights.ContainsKey(parent + "running_mean")
                || (OldDenseLayerCounter(parent) is { } old && weights.ContainsKey(old + "running_mean")))
            {
                weights[counter] = TorchSharp.torch.tensor(0L);
            }
        }

        foreach (var key in weights.Keys.Where(k => !expected.Contains(k)).ToList())
        {
            if (OldDenseLayerName().Match(key) is { Success: true } old && expected.Contains(old.Groups[1].Value + old.Groups[2].Value)
                && !weights.ContainsKey(old.Groups[1].Value + old.Groups[2].Value))
            {
                weights[old.Groups[1].Value + old.Groups[2].Value] = weights[key];
                weights.Remove(key);
            }
            else if ((key.StartsWith("aux1.", StringComparison.Ordinal) || key.StartsWith("aux2.", StringComparison.Ordinal))
                && !expected.Any(e => e.StartsWith(key[..5], StringComparison.Ordinal)))
            {
                weights[key].Dispose();
                weights.Remove(key);
            }
        }
    }

    // features.denseblock1.denselayer1.norm1. -> features.denseblock1.denselayer1.norm.1. (the name a pre-0.4 file uses).
    private static string? OldDenseLayerCounter(string parent)
    {
        var match = NewDenseLayerPart().Match(parent);
        return match.Success ? $"{match.Groups[1].Value}.{match.Groups[2].Value}." : null;
    }

    [GeneratedRegex(@"^(.*denselayer\d+\.norm)([12])\.$", RegexOptions.CultureInvariant)]
    private static partial Regex NewDenseLayerPart();

    [GeneratedRegex(@"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$", RegexOptions.CultureInvariant)]
    private static partial Regex OldDenseLayerName();
}
