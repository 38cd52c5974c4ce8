using System.Runtime.InteropServices;

namespace VisionFactory.Learning.Native;

/// <summary>
/// How libtorch's OpenMP worker threads wait between parallel regions. By default GNU OpenMP spins for hundreds of
/// thousands of iterations before sleeping; when the cores are shared (image decoding on the thread pool beside the
/// network, the web host, a camera pipeline, other processes) the spinning workers take the CPU from the threads that
/// have work, and every one of the hundreds of small operations of a forward pass waits for a descheduled thread.
/// VisionFactory therefore asks for passive waiting, unless the person running it chose a policy themselves.
/// </summary>
/// <remarks>
/// GNU OpenMP reads its environment once, when libtorch loads it, and it reads the native environment (which .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string?)"/> does not change on Linux), so
/// <see cref="Apply"/> calls libc's <c>setenv</c> and must run before the first <c>torch</c> call:
/// <see cref="TorchNativeLibrary.EnsureLoaded"/> does it.
/// </remarks>
public static class OpenMpWaitPolicy
{
    /// <summary>The variable GNU (and LLVM) OpenMP read.</summary>
    public const string Variable = "OMP_WAIT_POLICY";

    /// <summary>The policy VisionFactory asks for: idle workers sleep instead of spinning.</summary>
    public const string Passive = "PASSIVE";

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    /// <summary>
    /// Sets <c>OMP_WAIT_POLICY=PASSIVE</c> in the native environment unless it is set already; returns the policy in
    /// force afterwards (null where the native environment cannot be reached, i.e. not on Linux).
    /// </summary>
    public static string? Apply()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc))
            return null;

        var setenv = Marshal.GetDelegateForFunctionPointer<SetEnv>(NativeLibrary.GetExport(libc, "setenv"));
        _ = setenv(Variable, Passive, 0);
        return Current();
    }

    /// <summary>The policy in the native environment (what OpenMP sees), or null when unset or not on Linux.</summary>
    public static string? Current()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc))
            return null;

        var getenv = Marshal.GetDelegateForFunctionPointer<GetEnv>(NativeLibrary.GetExport(libc, "getenv"));
        var value = getenv(Variable);
        return value == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(value);
    }
}
