using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

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
/// a <c>glibc.malloc.</c> setting, or the <c>MALLOC_MMAP_THRESHOLD_</c> / <c>MALLOC_TRIM_THRESHOLD_</c> /
/// <c>MALLOC_ARENA_MAX</c> variables) keeps their choice.
/// <para>
/// The trim threshold holds per arena, and glibc gives a busy process up to eight arenas per core, one more each time
/// a thread finds the others locked: a server whose thread-pool threads take turns running batches kept growing by
/// about 8 MiB a minute over a 30-minute soak (1 140 to 1 250 MiB) as new arenas filled. <see cref="ArenaLimit"/>
/// caps them at one per core, which bounds what the heap may keep free to the arenas times the trim threshold.
/// </para> <see cref="TorchNativeLibrary.PrepareBeforeFirstUse"/> applies it when this library is first used, early in
/// every process that may make tensors; only on Linux with glibc.
/// </remarks>
public static class NativeHeap
{
    /// <summary>Blocks up to this size come from the heap (glibc's largest accepted value).</summary>
    public const int MmapThreshold = 32 * 1024 * 1024;

    /// <summary>The heap's free top is returned to the kernel only beyond this size.</summary>
    public const int TrimThreshold = 128 * 1024 * 1024;

    /// <summary>At most this many malloc arenas: one per core (two at least).</summary>
    public static int ArenaLimit => Math.Max(2, Environment.ProcessorCount);

    /// <summary>
    /// The arenas that existed when <see cref="Apply"/> set the limit (glibc keeps them); null until it has, or where
    /// the person's own settings stand. The process never has more arenas than this or <see cref="ArenaLimit"/>.
    /// </summary>
    public static int? ArenasBeforeLimit => arenasBeforeLimit;

    private const int MallocTrimThresholdOption = -1;
    private const int MallocArenaMaxOption = -8;
    private const int MallocMmapThresholdOption = -3;
    private static int applied;
    private static int? arenasBeforeLimit;
    private static readonly string[] ChosenVariables = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX"];

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MallOpt(int option, int value);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate MallInfo2 MallInfo2Function();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr OpenMemstream(out IntPtr buffer, out nuint length);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MallocInfo(int options, IntPtr stream);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int FileFunction(IntPtr stream);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void FreeFunction(IntPtr block);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MallocTrim(nuint pad);

    /// <summary>
    /// Sets the two thresholds and the arena limit unless the person tuned <c>malloc</c> themselves; returns whether
    /// they were set (false where the person's choice stands, or where there is no glibc).
    /// </summary>
    public static bool Apply()
    {
        if (Interlocked.Exchange(ref applied, 1) == 1)
            return arenasBeforeLimit is not null;
        if (TunedByThePerson() || !OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)
            || !NativeLibrary.TryGetExport(libc, "mallopt", out var export))
        {
            return false;
        }

        var mallopt = Marshal.GetDelegateForFunctionPointer<MallOpt>(export);
        arenasBeforeLimit = Read()?.Arenas ?? 0;

        // mallopt answers 1 on success; setting either threshold also turns off glibc's own adjustment of them.
        return mallopt(MallocMmapThresholdOption, MmapThreshold) == 1
            & mallopt(MallocTrimThresholdOption, TrimThreshold) == 1
            & mallopt(MallocArenaMaxOption, ArenaLimit) == 1;
    }

    /// <summary>
    /// What the C heap holds now (glibc's <c>mallinfo2</c>, summed over its arenas, and the number of arenas from
    /// <c>malloc_info</c>); null where there is no glibc.
    /// </summary>
    public static NativeHeapStatistics? Read()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)
            || !NativeLibrary.TryGetExport(libc, "mallinfo2", out var mallinfo2)
            || !NativeLibrary.TryGetExport(libc, "malloc_info", out var mallocInfo)
            || !NativeLibrary.TryGetExport(libc, "open_memstream", out var openMemstream)
            || !NativeLibrary.TryGetExport(libc, "fclose", out var fclose)
            || !NativeLibrary.TryGetExport(libc, "free", out var free))
        {
            return null;
        }

        var info = Marshal.GetDelegateForFunctionPointer<MallInfo2Function>(mallinfo2)();
        var stream = Marshal.GetDelegateForFunctionPointer<OpenMemstream>(openMemstream)(out var buffer, out var length);
        if (stream == IntPtr.Zero)
            return null;
        var written = Marshal.GetDelegateForFunctionPointer<MallocInfo>(mallocInfo)(0, stream);
        Marshal.GetDelegateForFunctionPointer<FileFunction>(fclose)(stream);
        string xml;
        try
        {
            xml = buffer == IntPtr.Zero ? "" : Marshal.PtrToStringUTF8(buffer, checked((int)length));
        }
        finally
        {
            Marshal.GetDelegateForFunctionPointer<FreeFunction>(free)(buffer);
        }

        return new NativeHeapStatistics(
            written == 0 ? Regex.Count(xml, "<heap nr=") : null,
            (long)info.UordBlks,
            (long)info.FordBlks,
            (long)info.HBlkHd);
    }

    /// <summary>
    /// Gives the kernel back the C heap's free memory: the free top of every arena and the free pages inside them
    /// (glibc's <c>malloc_trim(0)</c>). Blocks in use stay where they are. A long-running process calls it now and
    /// then (<c>vf serve</c> every minute), so that what the arenas keep for reuse between batches does not add up
    /// over hours; returns whether glibc released anything (false without glibc).
    /// </summary>
    public static bool Trim() =>
        OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var libc)
        && NativeLibrary.TryGetExport(libc, "malloc_trim", out var export)
        && Marshal.GetDelegateForFunctionPointer<MallocTrim>(export)(0) == 1;

    /// <summary>Whether the process was started with its own <c>malloc</c> settings, which then stand.</summary>
    public static bool TunedByThePerson() =>
        ChosenVariables.Any(v => Environment.GetEnvironmentVariable(v) is not null)
        || (Environment.GetEnvironmentVariable("GLIBC_TUNABLES")?.Contains("glibc.malloc.", StringComparison.Ordinal) ?? false);

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
}

/// <summary>The C heap's state (<see cref="NativeHeap.Read"/>).</summary>
/// <param name="Arenas">How many arenas malloc has made (at most <see cref="NativeHeap.ArenaLimit"/> once it applies, plus those made before); null when glibc could not list them.</param>
/// <param name="InUseBytes">Bytes of blocks allocated from the arenas.</param>
/// <param name="FreeBytes">Bytes free inside the arenas, kept for reuse.</param>
/// <param name="MappedBytes">Bytes of blocks mapped from the kernel one by one (above the mmap threshold).</param>
public sealed record NativeHeapStatistics(int? Arenas, long InUseBytes, long FreeBytes, long MappedBytes);
