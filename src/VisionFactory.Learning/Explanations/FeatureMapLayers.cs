using System.Collections.Concurrent;
using VisionFactory.Domain;
using VisionFactory.Learning.Architectures;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Explanations;

/// <summary>A module whose output is a spatial feature map, with that map's shape for one input image.</summary>
/// <param name="Name">The module path, e.g. "layer4" or "features.14".</param>
/// <param name="Channels">Channels of its output.</param>
/// <param name="Height">Rows of its output.</param>
/// <param name="Width">Columns of its output.</param>
public sealed record FeatureMapLayer(string Name, int Channels, int Height, int Width);

/// <summary>
/// The modules of a network that output feature maps ([N, C, H, W]), in the order their forward passes end, found by
/// running one blank image through the network with a hook on every module. The default target of Grad-CAM is the
/// last of them whose map is larger than 1 x 1: for torchvision's ResNets at 224 px that is <c>layer4</c> (a block's
/// output ends after its inner modules), at 32 px <c>layer3</c>.
/// </summary>
public static class FeatureMapLayers
{
    // The layout depends only on the architecture and the input size, so it is probed once per pair.
    private static readonly ConcurrentDictionary<(string Architecture, int Size), IReadOnlyList<FeatureMapLayer>> Probed = new();

    public static IReadOnlyList<FeatureMapLayer> Of(ClassifierNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Probed.GetOrAdd((network.Architecture, network.ImageSize), _ => Probe(network));
    }

    /// <summary>The named layer, or the default target; an unknown name fails listing the layers that can be chosen.</summary>
    public static FeatureMapLayer Choose(ClassifierNetwork network, string? name)
    {
        var layers = Of(network);
        if (string.IsNullOrWhiteSpace(name))
        {
            return layers.LastOrDefault(l => l.Height * l.Width > 1)
                ?? throw ProblemException.Invalid(
                    $"{network.Architecture} at {network.ImageSize} px has no feature map larger than 1 x 1 to explain; use a larger image size");
        }

        return layers.FirstOrDefault(l => l.Name == name)
            ?? throw ProblemException.Invalid(
                $"{network.Architecture} has no feature-map layer '{name}'; layers that can be explained, last first: " +
                string.Join(", ", layers.Reverse().Where(l => l.Height * l.Width > 1).Take(12).Select(l => $"{l.Name} ({l.Height}x{l.Width})")));
    }

    private static List<FeatureMapLayer> Probe(ClassifierNetwork network)
    {
        var found = new List<FeatureMapLayer>();
        var hooks = new List<Action>();
        foreach (var (name, child) in network.Module.named_modules())
        {
            if (name.Length == 0 || child is not nn.Module<Tensor, Tensor> module)
            {
                continue;
            }

            var layer = name;
            var hook = module.register_forward_hook((_, _, output) =>
            {
                if (output.dim() == 4)
                {
                    found.RemoveAll(f => f.Name == layer);
                    found.Add(new FeatureMapLayer(layer, (int)output.shape[1], (int)output.shape[2], (int)output.shape[3]));
                }

                return output;
            });
            hooks.Add(hook.remove);
        }

        var wasTraining = network.Module.training;
        try
        {
            network.Module.eval();
            using var scope = NewDisposeScope();
            using var _ = inference_mode();
            network.Module.call(zeros(1, 3, network.ImageSize, network.ImageSize));
        }
        finally
        {
            hooks.ForEach(remove => remove());
            network.Module.train(wasTraining);
        }

        return found;
    }
}
