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

        // Tensors that other tests left to their finalizers would otherwise free native memory while this measures.
        GC.Collect();
        GC.WaitForPendingFinalizers();

        // glibc's defaults map a fresh 4 MiB block from the kernel (an mmapped block, counted in hblks) and unmap it when
        // freed; VisionFactory's thresholds keep it in the heap, and freeing it leaves it there for the next pass.
        // The counters are the whole process's: a thread of the runtime or of a native library that frees a few
        // kilobytes between the two reads hides them, so the measurement is taken up to three times; a block mapped
        // from the kernel fails every one (the heap's count would not move by megabytes).
        const int size = 4 * 1024 * 1024;
        var readings = new List<string>();
        var counted = false;
        for (var attempt = 0; attempt < 3 && !counted; attempt++)
        {
            var before = NativeHeap.Read()!;
            var block = Marshal.AllocHGlobal(size);
            var during = NativeHeap.Read()!;
            Marshal.FreeHGlobal(block);
            readings.Add($"{before.InUseBytes} -> {during.InUseBytes} in use, {before.MappedBytes} -> {during.MappedBytes} mapped");
            counted = during.MappedBytes == before.MappedBytes && during.InUseBytes - before.InUseBytes >= size;
        }

        Assert.True(counted, $"the block is not counted in the heap: {string.Join("; ", readings)}");

        var after = NativeHeap.Read()!;
        Assert.True(after.FreeBytes >= size, $"the freed block went back to the kernel: {after.FreeBytes} bytes free in the heap");
    }

    [Fact]
    public void TrimmingGivesTheKernelBackTheFreePagesBetweenBlocksInUse()
    {
        TorchNativeLibrary.EnsureLoaded();
        if (!OperatingSystem.IsLinux())
            return;

        // 256 blocks of 1 MiB, kept in the heap (below the mmap threshold) and touched; every other one is freed, so
        // the free half sits between blocks in use, where no top trim reaches and the heap keeps it resident.
        const int count = 256;
        const int size = 1 << 20;
        var blocks = Enumerable.Range(0, count).Select(_ =>
        {
            var block = Marshal.AllocHGlobal(size);
            for (var offset = 0; offset < size; offset += 4096)
                Marshal.WriteByte(block, offset, 1);
            return block;
        }).ToList();
        try
        {
            for (var i = 0; i < count; i += 2)
                Marshal.FreeHGlobal(blocks[i]);
            var before = ResidentBytes();

            NativeHeap.Trim();

            var released = before - ResidentBytes();
            Assert.True(released >= count / 2 * size / 2, $"the trim released {released / 1048576.0:0.0} MiB of the {count / 2} MiB freed");
        }
        finally
        {
            for (var i = 1; i < count; i += 2)
                Marshal.FreeHGlobal(blocks[i]);
        }
    }

    // The resident set, from /proc/self/statm (pages).
    private static long ResidentBytes() =>
        long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize;
}
