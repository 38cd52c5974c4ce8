using TorchSharp;
using VisionFactory.Domain;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Weights;

/// <summary>
/// Loads a checkpoint into a network, all or nothing. A head of another size (a 1000-class ImageNet checkpoint
/// on an N-class model) is left freshly initialised while the backbone loads; any other mismatch is reported.
/// </summary>
public static class PretrainedLoader
{
    /// <returns>True when the head was loaded too, false when it kept its fresh initialisation.</returns>
    public static bool Load(nn.Module module, IReadOnlyDictionary<string, Tensor> weights, string headPath, string architecture)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(weights);
        var own = module.state_dict();
        var headKeys = own.Keys.Where(k => k.StartsWith(headPath + ".", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        var headFits = headKeys.All(k => weights.TryGetValue(k, out var w) && w.shape.SequenceEqual(own[k].shape));
        var source = headFits
            ? weights
            : weights.Where(p => !headKeys.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        try
        {
            StateDictLoader.LoadExact(module, source, headFits ? null : headKeys.Contains);
        }
        catch (StateDictMismatchException e)
        {
            throw ProblemException.Invalid($"these weights do not fit {architecture}: {e.Report}");
        }

        return headFits;
    }
}
