using TorchSharp.Modules;
using VisionFactory.Learning.Architectures;

namespace VisionFactory.Learning.Training;

/// <summary>
/// Freezes a network's backbone so that only its classifier head trains: the backbone's parameters need no gradient
/// (so the optimizer leaves them alone) and its batch norms stay in evaluation mode (so their running statistics stay).
/// </summary>
internal sealed class BackboneFreeze(ClassifierNetwork network)
{
    private readonly string headPrefix = network.HeadPath + ".";

    /// <summary>
    /// Puts the network in training mode, with the backbone frozen or not; a frozen backbone, or one whose batch norms
    /// <paramref name="keepStatistics"/>, normalises with the running statistics it has.
    /// </summary>
    public void Train(bool frozen, bool keepStatistics = false)
    {
        foreach (var (name, parameter) in network.Module.named_parameters())
        {
            parameter.requires_grad = !frozen || IsHead(name);
        }

        network.Module.train();
        if (!frozen && !keepStatistics)
        {
            return;
        }

        foreach (var (name, module) in network.Module.named_modules())
        {
            if (module is BatchNorm && !IsHead(name))
            {
                module.eval();
            }
        }
    }

    /// <summary>Every parameter trainable again, the network in evaluation mode: as a finished network should be.</summary>
    public void Release()
    {
        foreach (var (_, parameter) in network.Module.named_parameters())
        {
            parameter.requires_grad = true;
        }

        network.Module.eval();
    }

    private bool IsHead(string name) => name == network.HeadPath || name.StartsWith(headPrefix, StringComparison.Ordinal);
}
