using TorchSharp;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Architectures;

/// <summary>
/// oneDNN's blocked memory layout (PyTorch's <c>to_mkldnn()</c> tensors): activations stay in the layout oneDNN's
/// convolutions compute in, so a forward pass no longer reorders every convolution's input into it and its output
/// back. libtorch runs convolutions, batch norm, ReLU, pooling and additions on such tensors; other operations
/// (flatten, linear, hardswish, channel shuffles, broadcasting multiplications) do not, so a network uses it only up
/// to a module named by its architecture (<see cref="ArchitectureDefinition.BlockedInferenceUntil"/>).
/// TorchSharp 0.107 has no <c>to_mkldnn</c>, so the two conversions are TorchScript functions compiled once.
/// </summary>
public static class BlockedLayout
{
    /// <summary>
    /// True when this processor can run the blocked layout: oneDNN sizes its blocked additions from the L1 data cache
    /// that CPUID describes, and divides by zero where none is described (<see cref="Native.CpuDataCache"/>).
    /// </summary>
    public static bool IsAvailable => Native.CpuDataCache.OneDnnCanSizeItsBlocks;

    private static readonly Lazy<jit.CompilationUnit> Conversions = new(() =>
    {
        return jit.compile("""
            def to_blocked(x: Tensor) -> Tensor:
                return x.to_mkldnn()

            def to_dense(x: Tensor) -> Tensor:
                if x.is_mkldnn:
                    return x.to_dense()
                return x

            def is_blocked(x: Tensor) -> bool:
                return x.is_mkldnn

            """);
    });

    /// <summary>A dense float tensor in the blocked layout: a new tensor in the caller's dispose scope.</summary>
    public static Tensor ToBlocked(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var dense = x.contiguous();
        return (Tensor)Conversions.Value.invoke("to_blocked", dense);
    }

    /// <summary>
    /// <paramref name="x"/> as an ordinary dense tensor: a new tensor in the caller's dispose scope when it is
    /// blocked, <paramref name="x"/> itself otherwise.
    /// </summary>
    public static Tensor ToDense(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return (Tensor)Conversions.Value.invoke("to_dense", x);
    }

    /// <summary>True when <paramref name="x"/> is stored in the blocked layout.</summary>
    public static bool IsBlocked(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        // TorchScript hands a bool back as a Scalar.
        using var answer = (Scalar)Conversions.Value.invoke("is_blocked", x);
        return answer.ToBoolean();
    }
}
