using static TorchSharp.torch;

namespace VisionFactory.Learning.Training;

/// <summary>
/// Weight-space ensembling of a finetuned network with the network it started from (WiSE-FT, Wortsman et al., CVPR
/// 2022): every floating-point parameter and buffer becomes share * finetuned + (1 - share) * start. The start is the
/// pretrained backbone under the head trained first, so both ends lie in one basin and their average classifies at
/// least as well as either on the training distribution while keeping much of the pretrained network's robustness.
/// </summary>
internal sealed class WeightAveraging : IDisposable
{
    private readonly Dictionary<string, Tensor> start;

    private WeightAveraging(Dictionary<string, Tensor> start) => this.start = start;

    /// <summary>Copies the module's current weights (parameters and buffers) as the start to blend towards.</summary>
    public static WeightAveraging Remember(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var copies = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in module.state_dict())
        {
            // The copy outlives the scope; the detached view does not.
            copies[name] = tensor.detach().clone().DetachFromDisposeScope();
        }

        return new WeightAveraging(copies);
    }

    /// <summary>Moves the module's weights, in place, to <paramref name="share"/> of them plus the rest of the start's.</summary>
    public void Blend(nn.Module module, double share)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (share is <= 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(share), share, "the finetuned share must be above 0 and at most 1");
        }

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, tensor) in module.state_dict())
        {
            // Counters (batch norm's num_batches_tracked) are integers: the finetuned count stays.
            if (!tensor.is_floating_point())
            {
                continue;
            }

            var from = start.TryGetValue(name, out var s)
                ? s
                : throw new InvalidOperationException($"the network has a weight '{name}' that it did not have before finetuning");
            tensor.mul_(share).add_(from, alpha: 1 - share);
        }
    }

    public void Dispose()
    {
        foreach (var t in start.Values)
        {
            t.Dispose();
        }
    }
}
