using System.Runtime.InteropServices;
using VisionFactory.Learning.Native;

namespace VisionFactory.Learning.Tests.Native;

/// <summary>Heap statistics are process-wide: these tests run while no other test allocates.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeHeapStatistics
{
    public const string Name = "Native heap";
}

[Collection(NativeHeapStatistics.Name)]
public sealed class NativeHeapTests
{
    [Fact]
    public void OnceLibtorchIsLoadedATensorSizedBlockComesFromTheHeapAndIsKeptForReuseWhenFreed()
    {
        TorchNativeLibrary.EnsureLoaded();
        if (!OperatingSystem.IsLinux() || NativeHeap.TunedByThePerson())
            return;

        // glibc's defaults map a fresh 4 MiB block from the kernel (an mmapped block, counted in hblks) and unmap it when
        // freed; VisionFactory's thresholds keep it in the heap, and freeing it leaves it there for the next pass.
        const int size = 4 * 1024 * 1024;
        var before = Heap.Info();
        var block = Marshal.AllocHGlobal(size);
        try
        {
            var during = Heap.Info();
            Assert.Equal(before.MappedBlocks, during.MappedBlocks);
            Assert.True(during.InUse - before.InUse >= size, $"the block is not counted in the heap: {before.InUse} -> {during.InUse}");
        }
        finally
        {
            Marshal.FreeHGlobal(block);
        }

        var after = Heap.Info();
        Assert.True(after.Arena - after.InUse >= size, $"the freed block went back to the kernel: {after.Arena - after.InUse} bytes free in the heap");
    }

    private static class Heap
    {
        [StructLayout(LayoutKind.Sequential)]
        private struct MallInfo2
        {
            public nuint Arena;
            public nuint OrdBlks;
            public nuint SmBlks;
            public nuint HBlks;
            public nuint HBlkHd;
            public nuint UsmBlks;
            public nuint FsmBlks;
            public nuint UordBlks;
            public nuint FordBlks;
            public nuint KeepCost;
        }

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate MallInfo2 MallInfo2Function();

        public static (ulong Arena, ulong InUse, ulong MappedBlocks) Info()
        {
            var libc = NativeLibrary.Load("libc.so.6");
            var info = Marshal.GetDelegateForFunctionPointer<MallInfo2Function>(NativeLibrary.GetExport(libc, "mallinfo2"))();
            return (info.Arena, info.UordBlks, info.HBlks);
        }
    }
}
