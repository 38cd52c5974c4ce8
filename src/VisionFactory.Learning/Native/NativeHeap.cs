using System.Runtime.InteropServices;

namespace VisionFactory.Learning.Native;

/// <summary>
/// How glibc's <c>malloc</c> serves libtorch's tensor buffers. By default every block above the mmap threshold is a
/// fresh mapping from the kernel, unmapped again when freed, and the heap's free top is handed back to the kernel once
/// it exceeds the trim threshold. A forward pass allocates and frees activations of a megabyte or more at every layer,
/// and oneDNN reorders each one into its blocked layout and back; in this process each such buffer came back from the
/// kernel as fresh pages, one page fault per 4 KiB (about a million faults in 2 000 grouped convolutions). Measured on
/// the 2-core machine at batch 1 (<c>bench -- convprobe</c>): ResNeXt's 56x56 grouped 3x3 convolution 2.14 ms with the
/// defaults against 0.42 ms with the thresholds below, a 56x56 1x1 convolution 3.82 against 1.05 ms.
/// </summary>
/// <remarks>
/// VisionFactory therefore keeps blocks up to <see cref="MmapThreshold"/> in the heap and trims the heap only when more
/// than <see cref="TrimThreshold"/> is free at its top: freed activations are reused by the next pass instead of being
/// faulted in again. The memory is not lost: freed blocks are reused by every later allocation, and the process holds at
/// most the trim threshold more than it uses. A person who tunes <c>malloc</c> themselves (<c>GLIBC_TUNABLES</c> with
/// a <c>glibc.malloc.</c> setting, or the <c>MALLOC_MMAP_THRESHOLD_</c> / <c>MALLOC_TRIM_THRESHOLD_</c> variables)
/// keeps their choice. <see cref="TorchNativeLibrary.EnsureLoaded"/> applies it; only on Linux with glibc.
/// </remarks>
public static class NativeHeap
{
    /// <summary>Blocks up to this size come from the heap (glibc's largest accepted value).</summary>
    public const int MmapThreshold = 32 * 1024 * 1024;

    /// <summary>The heap's free top is returned to the kernel only beyond this size.</summary>
    public const int TrimThreshold = 128 * 1024 * 1024;

    private const int MallocTrimThresholdOption = -1;
    private const int MallocMmapThresholdOption = -3;
    private static readonly string[] ChosenVariables = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"];

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MallOpt(int option, int value);

    /// <summary>
    /// Sets the two thresholds unless the person tuned <c>malloc</c> themselves; returns whether they were set (false
    /// where the person's choice stands, or where there is no glibc).
    /// </summary>
    public static bool Apply()
    {
        if (TunedByThePerson() || !OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)
            || !NativeLibrary.TryGetExport(libc, "mallopt", out var export))
        {
            return false;
        }

        var mallopt = Marshal.GetDelegateForFunctionPointer<MallOpt>(export);

        // mallopt answers 1 on success; setting either threshold also turns off glibc's own adjustment of them.
        return mallopt(MallocMmapThresholdOption, MmapThreshold) == 1 & mallopt(MallocTrimThresholdOption, TrimThreshold) == 1;
    }

    /// <summary>Whether the process was started with its own <c>malloc</c> settings, which then stand.</summary>
    public static bool TunedByThePerson() =>
        ChosenVariables.Any(v => Environment.GetEnvironmentVariable(v) is not null)
        || (Environment.GetEnvironmentVariable("GLIBC_TUNABLES")?.Contains("glibc.malloc.", StringComparison.Ordinal) ?? false);
}
