using VisionFactory.Domain.Models;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Explanations;

/// <summary>Each image's evidence for one class on a coarse grid, and how it was made.</summary>
/// <param name="Maps">Per image, Side x Side non-negative values (row-major), not scaled.</param>
/// <param name="Side">Side of every map.</param>
/// <param name="Layer">The feature-map layer.</param>
/// <param name="Method">CAM where it is exact for the network, else Grad-CAM.</param>
public sealed record EvidenceMaps(List<float[]> Maps, int Side, string Layer, ExplanationMethod Method);

/// <summary>
/// Many images' class-activation maps at once, for the heat-map check of an evaluation. Where the head is a global
/// average pool and a linear layer (checked, as for <see cref="HeatMapExplainer"/>), CAM is the feature map weighted by
/// the head's weights and costs one forward pass without gradients; otherwise Grad-CAM, with a backward pass.
/// Unlike <see cref="HeatMapExplainer"/>, each image is explained for its own given class, and the maps are not scaled
/// per image, so a caller can weigh the evidence where it lies.
/// </summary>
public static class ClassEvidenceMaps
{
    /// <param name="network">The classifier.</param>
    /// <param name="images">Square RGB images, <c>network.ImageSize</c> on a side.</param>
    /// <param name="classIndices">The class to explain in each image.</param>
    /// <param name="side">Side of the returned maps (area-averaged from the map brought up to the input size).</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    public static EvidenceMaps Compute(
        ClassifierNetwork network, IReadOnlyList<byte[]> images, IReadOnlyList<int> classIndices, int side, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(classIndices);
        ArgumentOutOfRangeException.ThrowIfNotEqual(classIndices.Count, images.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(side, 1);
        var target = FeatureMapLayers.Choose(network, null);
        var method = HeatMapExplainer.CamIsExact(network, target) ? ExplanationMethod.Cam : ExplanationMethod.GradCam;
        var module = network.Module.named_modules().First(m => m.name == target.Name).module as nn.Module<Tensor, Tensor>
            ?? throw new InvalidOperationException($"{target.Name} is not a tensor-to-tensor module");
        var maps = new List<float[]>(images.Count);
        var wasTraining = network.Module.training;
        network.Module.eval();
        try
        {
            for (var start = 0; start < images.Count; start += Math.Max(1, batchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(Math.Max(1, batchSize), images.Count - start);
                var batch = images.Skip(start).Take(count).ToList();
                var classes = classIndices.Skip(start).Take(count).Select(c => (long)c).ToArray();
                maps.AddRange(method == ExplanationMethod.Cam
                    ? CamBatch(network, module, batch, classes, side)
                    : GradCamBatch(network, module, batch, classes, side));
            }
        }
        finally
        {
            network.Module.train(wasTraining);
        }

        return new EvidenceMaps(maps, side, target.Name, method);
    }

    private static List<float[]> CamBatch(ClassifierNetwork network, nn.Module<Tensor, Tensor> module, List<byte[]> batch, long[] classes, int side)
    {
        using var activation = new LayerOutput(module);
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        // Straight through the module, so the hooked map is a dense tensor whatever layout Logits would pick.
        network.Module.call(network.Input.Apply(BatchAssembler.Assemble(batch, network.ImageSize, network.Input.Bgr)));
        activation.Stop();
        var map = activation.Latest ?? throw new InvalidOperationException($"{network.Architecture}'s forward never reached the target layer");
        var weight = ((TorchSharp.Modules.Linear)network.Head).weight!.detach().index_select(0, tensor(classes));
        return Shrink(network, (map * weight.unsqueeze(-1).unsqueeze(-1)).sum(1, keepdim: true), side);
    }

    private static List<float[]> GradCamBatch(ClassifierNetwork network, nn.Module<Tensor, Tensor> module, List<byte[]> batch, long[] classes, int side)
    {
        Tensor? tap = null;
        Tensor? activation = null;
        var hook = module.register_forward_hook((_, _, output) =>
        {
            tap?.Dispose();
            activation?.Dispose();
            tap = zeros_like(output).requires_grad_(true).DetachFromDisposeScope();
            activation = output.detach().clone().DetachFromDisposeScope();
            return output + tap;
        });
        try
        {
            using var scope = NewDisposeScope();
            using var gradients = enable_grad();
            var logits = network.Logits(network.Input.Apply(BatchAssembler.Assemble(batch, network.ImageSize, network.Input.Bgr)));
            hook.remove();
            if (tap is null || activation is null)
            {
                throw new InvalidOperationException($"{network.Architecture}'s forward never reached the target layer");
            }

            var score = logits.gather(1, tensor(classes).unsqueeze(1)).sum();
            var gradient = TorchSharp.torch.autograd.grad([score], [tap])[0];
            return Shrink(network, (activation * gradient.mean([2, 3], keepdim: true)).sum(1, keepdim: true), side);
        }
        finally
        {
            hook.remove();
            tap?.Dispose();
            activation?.Dispose();
        }
    }

    // Brought up to the input grid as the explainer's overlays are (so a map lines up with the picture), then averaged
    // down to side x side cells.
    private static List<float[]> Shrink(ClassifierNetwork network, Tensor map, int side)
    {
        var full = Math.Max(network.ImageSize, side);
        var heat = nn.functional.interpolate(nn.functional.relu(map.detach()), [full, full], mode: InterpolationMode.Bilinear, align_corners: false);
        var cells = nn.functional.adaptive_avg_pool2d(heat, [side, side]).reshape(map.shape[0], side * side).contiguous();
        var values = cells.data<float>().ToArray();
        var area = side * side;
        return [.. Enumerable.Range(0, (int)map.shape[0]).Select(i => values.AsSpan(i * area, area).ToArray())];
    }
}
