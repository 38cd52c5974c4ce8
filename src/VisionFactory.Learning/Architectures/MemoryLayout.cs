using static TorchSharp.torch;

namespace VisionFactory.Learning.Architectures;

/// <summary>
/// The channels-last memory layout (PyTorch's <c>torch.channels_last</c>): an [N, C, H, W] tensor whose values are
/// stored pixel by pixel, C innermost. libtorch 2.x's oneDNN convolutions run depthwise and grouped convolutions and
/// concatenation-heavy networks markedly faster in it on the CPU, and every following operation keeps the layout.
/// TorchSharp 0.107 has no <c>memory_format</c> argument, so the layout is made with two permutes around one copy.
/// </summary>
public static class MemoryLayout
{
    /// <summary>
    /// True when this processor runs channels-last convolutions reliably: oneDNN sizes their blocks from the L1 data
    /// cache that CPUID describes (<see cref="Native.CpuDataCache"/>); where none is described the plain layout is used.
    /// </summary>
    public static bool IsAvailable => Native.CpuDataCache.OneDnnCanSizeItsBlocks;

    /// <summary>True when <paramref name="x"/> is a 4-d tensor stored channels-last without gaps.</summary>
    public static bool IsChannelsLast(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() != 4)
            return false;
        var (shape, stride) = (x.shape, x.stride());
        return stride[1] == 1 && stride[3] == shape[1] && stride[2] == shape[1] * shape[3] && stride[0] == shape[1] * shape[2] * shape[3];
    }

    /// <summary>
    /// <paramref name="x"/> ([N, C, H, W]) stored channels-last: the same logical tensor (same shape, same values), a new
    /// tensor in the caller's dispose scope; an alias when it already is.
    /// </summary>
    public static Tensor ToChannelsLast(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() != 4)
            throw new ArgumentException($"channels-last needs an [N, C, H, W] tensor, not {x.dim()}-d", nameof(x));
        if (IsChannelsLast(x))
            return x.alias();
        using var nhwc = x.permute(0, 2, 3, 1);
        using var packed = nhwc.contiguous();
        return packed.permute(0, 3, 1, 2);
    }
}
