using System.Runtime.Intrinsics.X86;
using VisionFactory.Learning.Native;

namespace VisionFactory.Learning.Tests.Native;

public sealed class CpuDataCacheTests
{
    /// <summary>
    /// The blocked layout is offered exactly when oneDNN can size its additions: an x86 processor that describes at
    /// least 8 KiB of L1 data cache per core (oneDNN's block is half of it, rounded down to 4 KiB, and is divided by).
    /// </summary>
    [Fact]
    public void BlockedSumsAreSupportedExactlyWhenTheProcessorDescribesEnoughFirstLevelCache()
    {
        var bytes = CpuDataCache.PerCoreFirstLevelBytes;
        if (X86Base.IsSupported)
            Assert.Equal(bytes is >= 8 * 1024, CpuDataCache.OneDnnCanSizeItsBlocks);
        else
            Assert.True(CpuDataCache.OneDnnCanSizeItsBlocks);
        Assert.True(bytes is null or > 0 and < 64L * 1024 * 1024, $"an L1 data cache of {bytes} bytes per core");
    }
}

public sealed class OneDnnInstructionSetTests
{
    /// <summary>Where the processor describes no cache, libtorch runs with oneDNN capped at AVX2 (its AVX-512 kernels miscompute there).</summary>
    [Fact]
    public void OneDnnIsCappedAtAvx2ExactlyWhereTheProcessorDescribesNoCache()
    {
        TorchNativeLibrary.EnsureLoaded();

        var seen = OneDnnInstructionSet.Apply();

        if (OneDnnInstructionSet.Needed && Environment.GetEnvironmentVariable(OneDnnInstructionSet.Variable) is null)
            Assert.Equal(OneDnnInstructionSet.Cap, seen);
        else if (!OneDnnInstructionSet.Needed)
            Assert.Equal(Environment.GetEnvironmentVariable(OneDnnInstructionSet.Variable), seen);
    }
}
