using TorchSharp.Modules;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Explanations;

/// <summary>What a network looked at in one image for one class.</summary>
/// <param name="Heat">Size x Size values in 0..1 (row-major, the network's input grid), 1 where the evidence is strongest.</param>
/// <param name="Size">Side of the heat map: the network's input size.</param>
/// <param name="ClassIndex">The class explained.</param>
/// <param name="Probabilities">The network's probability for every class.</param>
/// <param name="Layer">The feature-map layer the map was made from.</param>
/// <param name="Method">How it was made.</param>
public sealed record HeatMap(float[] Heat, int Size, int ClassIndex, float[] Probabilities, string Layer, ExplanationMethod Method);

/// <summary>
/// CAM, Grad-CAM and Grad-CAM++ for any convolutional network. The gradient of the class score with respect to the
/// target layer's feature map is read through a tap: a forward hook adds a zero tensor that requires grad to the
/// layer's output, and the gradient with respect to that tensor is the gradient with respect to the map. This needs
/// no handle on the module's own output, which modules may dispose in their own scopes.
/// </summary>
public static class HeatMapExplainer
{
    // Whether CAM is exact depends on the architecture, size and layer only, so it is checked once per triple.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, int, string), bool> CamChecked = new();

    /// <summary>Explains each image (raw RGB bytes at the network's input size) for its given class, or the predicted one.</summary>
    /// <param name="network">The classifier.</param>
    /// <param name="images">Square RGB images, <c>network.ImageSize</c> on a side.</param>
    /// <param name="method">CAM, Grad-CAM or Grad-CAM++.</param>
    /// <param name="layer">The target layer by module path; null picks the last feature map larger than 1 x 1.</param>
    /// <param name="classIndex">The class to explain in every image; null explains each image's predicted class.</param>
    public static List<HeatMap> Explain(
        ClassifierNetwork network, IReadOnlyList<byte[]> images, ExplanationMethod method, string? layer = null, int? classIndex = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            return [];
        }

        var target = FeatureMapLayers.Choose(network, layer);
        var module = network.Module.named_modules().First(m => m.name == target.Name).module as nn.Module<Tensor, Tensor>
            ?? throw new InvalidOperationException($"{target.Name} is not a tensor-to-tensor module");
        if (method == ExplanationMethod.Cam)
        {
            CheckCamApplies(network, target);
        }

        Tensor? tap = null;
        Tensor? activation = null;
        var hook = module.register_forward_hook((_, _, output) =>
        {
            // Created inside the module's own dispose scopes, so both are detached and disposed below instead.
            tap?.Dispose();
            activation?.Dispose();
            tap = zeros_like(output).requires_grad_(true).DetachFromDisposeScope();
            activation = output.detach().clone().DetachFromDisposeScope();
            return output + tap;
        });
        network.Module.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var gradients = enable_grad();
            var raw = BatchAssembler.Assemble(images, network.ImageSize, network.Input.Bgr);
            var logits = network.Logits(network.Input.Apply(raw));
            hook.remove();
            if (tap is null || activation is null)
            {
                throw new InvalidOperationException($"{network.Architecture}'s forward never reached '{target.Name}'");
            }

            var probabilities = logits.detach().softmax(1);
            var classes = classIndex is { } fixedClass
                ? full(images.Count, (long)CheckClass(network, logits, fixedClass), dtype: ScalarType.Int64)
                : probabilities.argmax(1);

            Tensor map;
            if (method == ExplanationMethod.Cam)
            {
                var weights = HeadWeight(network).detach().index_select(0, classes);       // [N, C]
                map = (activation * weights.unsqueeze(-1).unsqueeze(-1)).sum(1, keepdim: true);
            }
            else
            {
                var score = logits.gather(1, classes.unsqueeze(1)).sum();
                var gradient = TorchSharp.torch.autograd.grad([score], [tap])[0];
                var weights = method == ExplanationMethod.GradCam
                    ? gradient.mean([2, 3], keepdim: true)
                    : GradCamPlusPlusWeights(gradient, activation);
                map = (activation * weights).sum(1, keepdim: true);
            }

            var heat = nn.functional.interpolate(
                nn.functional.relu(map), [network.ImageSize, network.ImageSize], mode: InterpolationMode.Bilinear, align_corners: false);
            // Scaled to 0..1 per image from its own lowest to highest value, so that evidence spread evenly over the
            // whole image (a baseline) does not show as heat.
            var low = heat.amin([1, 2, 3], keepdim: true);
            var high = heat.amax([1, 2, 3], keepdim: true);
            heat = ((heat - low) / (high - low).clamp_min(1e-12)).squeeze(1).contiguous();

            var values = heat.data<float>().ToArray();
            var chosen = classes.data<long>().ToArray();
            var probability = probabilities.contiguous().data<float>().ToArray();
            var area = network.ImageSize * network.ImageSize;
            var width = (int)probabilities.shape[1];
            return [.. Enumerable.Range(0, images.Count).Select(i => new HeatMap(
                values.AsSpan(i * area, area).ToArray(),
                network.ImageSize,
                (int)chosen[i],
                probability.AsSpan(i * width, width).ToArray(),
                target.Name,
                method))];
        }
        finally
        {
            hook.remove();
            tap?.Dispose();
            activation?.Dispose();
        }
    }

    // alpha = g^2 / (2 g^2 + sum(A) g^3), weight = sum over positions of alpha * relu(g) (Chattopadhyay et al. 2018,
    // with the exponential of the score approximated as in common use).
    private static Tensor GradCamPlusPlusWeights(Tensor gradient, Tensor activation)
    {
        var g2 = gradient.pow(2);
        var g3 = g2 * gradient;
        var denominator = (2 * g2) + (activation.sum([2, 3], keepdim: true) * g3);
        var alpha = g2 / where(denominator != 0, denominator, ones_like(denominator));
        return (alpha * nn.functional.relu(gradient)).sum([2, 3], keepdim: true);
    }

    private static int CheckClass(ClassifierNetwork network, Tensor logits, int classIndex)
    {
        var classes = (int)logits.shape[1];
        return classIndex >= 0 && classIndex < classes
            ? classIndex
            : throw ProblemException.Invalid($"class {classIndex} does not exist: {network.Architecture} has classes 0 to {classes - 1}");
    }

    private static TorchSharp.Modules.Parameter HeadWeight(ClassifierNetwork network) => network.Head switch
    {
        Linear linear => linear.weight!,
        _ => throw ProblemException.Invalid($"CAM needs a linear head; {network.Architecture}'s is not: use gradcam"),
    };

    /// <summary>Whether CAM is exact for this network at this layer: its logits are a linear head over the layer's global average.</summary>
    public static bool CamIsExact(ClassifierNetwork network, FeatureMapLayer target)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(target);
        return CamChecked.GetOrAdd((network.Architecture, network.ImageSize, target.Name), _ => CamApplies(network, target));
    }

    // CAM is exact only when the logits are the head applied to the global average of this very map. That is checked
    // on a blank image: the mean over positions of (head weights . map) plus the bias must give the network's logits.
    private static void CheckCamApplies(ClassifierNetwork network, FeatureMapLayer target)
    {
        if (!CamIsExact(network, target))
        {
            throw ProblemException.Invalid(
                $"CAM needs a global-average-pool + linear head right after the target layer, which {network.Architecture}" +
                $" at '{target.Name}' does not have; use gradcam (or gradcam++)");
        }
    }

    private static bool CamApplies(ClassifierNetwork network, FeatureMapLayer target)
    {
        if (network.Head is not Linear linear || linear.weight!.shape[1] != target.Channels)
        {
            return false;
        }

        var module = (nn.Module<Tensor, Tensor>)network.Module.named_modules().First(m => m.name == target.Name).module;
        using var map = new LayerOutput(module);
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var probe = (arange(3 * network.ImageSize * network.ImageSize, dtype: ScalarType.Float32) % 251)
            .reshape(1, 3, network.ImageSize, network.ImageSize);
        // Straight through the module, so the hooked map is a dense tensor whatever layout Logits would pick.
        var logits = network.Module.call(network.Input.Apply(probe));
        var pooled = map.Latest!.mean([2, 3]);
        var rebuilt = linear.call(pooled);
        var tolerance = 1e-3 * Math.Max(1, logits.abs().max().item<float>());
        return (rebuilt - logits).abs().max().item<float>() <= tolerance;
    }
}
