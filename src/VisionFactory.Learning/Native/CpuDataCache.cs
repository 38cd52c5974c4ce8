using System.Runtime.Intrinsics.X86;

namespace VisionFactory.Learning.Native;

/// <summary>
/// What the processor says of its first-level data cache through CPUID, read the way oneDNN reads it (Intel's
/// deterministic cache parameters, leaf 4; AMD's cache topology, leaf 0x8000001D, or its legacy leaf 0x80000005).
/// </summary>
/// <remarks>
/// oneDNN sizes the blocks of its element-wise sum (<c>simple_sum_t</c>, behind every addition of two blocked
/// tensors) from half the per-core L1 data cache, rounded down to a 4 KiB page, and divides by that block size. Some
/// virtual machines describe no cache at all through these leaves (seen: an AMD EPYC guest whose leaf 0x8000001D is
/// empty): the block size is then zero and the process dies of SIGFPE inside libtorch at the first residual addition.
/// Such a machine must not use the blocked layout; dense tensors do not go through that code.
/// </remarks>
public static class CpuDataCache
{
    private const int MinimumPerCoreBytes = 8 * 1024;
    private static readonly Lazy<long?> PerCoreFirstLevel = new(ReadPerCoreFirstLevelBytes);

    /// <summary>
    /// The first-level data cache per core in bytes as CPUID describes it; null when it is not described (or the
    /// processor is not x86, where this question does not arise).
    /// </summary>
    public static long? PerCoreFirstLevelBytes => PerCoreFirstLevel.Value;

    /// <summary>
    /// True when oneDNN can size the blocks of its kernels on this processor: a non-x86 processor, or an x86 one that
    /// describes at least 8 KiB of first-level data cache per core. Where it cannot, the platform keeps to the plain
    /// (NCHW) layout: blocked additions divide by zero, and channels-last convolutions of the ResNet-50 family crashed
    /// the process even with oneDNN capped at AVX2 (<see cref="OneDnnInstructionSet"/>).
    /// </summary>
    public static bool OneDnnCanSizeItsBlocks => !X86Base.IsSupported || PerCoreFirstLevelBytes >= MinimumPerCoreBytes;

    private static long? ReadPerCoreFirstLevelBytes()
    {
        if (!X86Base.IsSupported)
            return null;
        var (_, b, c, d) = X86Base.CpuId(0, 0);
        var vendor = string.Concat(Text(b), Text(d), Text(c));
        return vendor switch
        {
            "AuthenticAMD" or "HygonGenuine" => FromAmdLeaves(),
            _ => FromDeterministicLeaf(4),
        };
    }

    private static long? FromAmdLeaves()
    {
        var highest = (uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax;
        if (highest >= 0x8000001D)
            return FromDeterministicLeaf(unchecked((int)0x8000001D));
        if (highest < 0x80000005)
            return null;
        var l1Kib = ((uint)X86Base.CpuId(unchecked((int)0x80000005), 0).Ecx >> 24) & 0xFF;
        return l1Kib == 0 ? null : l1Kib * 1024L;
    }

    /// <summary>The first data (or unified) cache of a deterministic cache leaf, divided by the cores sharing it.</summary>
    private static long? FromDeterministicLeaf(int leaf)
    {
        for (var sub = 0; sub < 8; sub++)
        {
            var (a, b, c, _) = X86Base.CpuId(leaf, sub);
            var type = a & 0x1F;
            if (type == 0)
                return null;
            if (type == 2)
                continue;
            var ways = ((uint)b >> 22 & 0x3FF) + 1;
            var partitions = ((uint)b >> 12 & 0x3FF) + 1;
            var line = ((uint)b & 0xFFF) + 1;
            var sets = (long)(uint)c + 1;
            var sharing = ((uint)a >> 14 & 0xFFF) + 1;
            return ways * partitions * line * sets / sharing;
        }

        return null;
    }

    private static string Text(int register) =>
        string.Concat(BitConverter.GetBytes(register).Select(x => (char)x));
}
