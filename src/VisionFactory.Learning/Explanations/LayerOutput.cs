using static TorchSharp.torch;

namespace VisionFactory.Learning.Explanations;

/// <summary>
/// A copy of what one module put out in the latest forward pass, kept outside every dispose scope until this is
/// disposed (which also removes the hook).
/// </summary>
internal sealed class LayerOutput : IDisposable
{
    private readonly Action remove;
    private Tensor? output;

    public LayerOutput(nn.Module<Tensor, Tensor> module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var hook = module.register_forward_hook((_, _, o) =>
        {
            output?.Dispose();
            output = o.detach().clone().DetachFromDisposeScope();
            return o;
        });
        remove = hook.remove;
    }

    /// <summary>The latest output, or null before the module's first forward.</summary>
    public Tensor? Latest => output;

    /// <summary>Stops copying (the latest copy stays until disposed).</summary>
    public void Stop() => remove();

    public void Dispose()
    {
        remove();
        output?.Dispose();
    }
}
