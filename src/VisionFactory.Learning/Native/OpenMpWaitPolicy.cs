using System.Globalization;
using System.Runtime.InteropServices;

namespace VisionFactory.Learning.Native;

/// <summary>
/// How libtorch's OpenMP worker threads wait between parallel regions. By default GNU OpenMP spins for about 300 000
/// iterations (a few milliseconds) before sleeping; when the cores are shared (image decoding on the thread pool beside
/// the network, the web host, a camera pipeline, other processes) the spinning workers take the CPU from the threads
/// that have work. Waiting purely passively is no better: then every one of the hundreds of small operations of a
/// forward pass wakes its sleeping workers through the kernel, which on this class of virtual machine costs tens of
/// microseconds each (ShuffleNet's single-image forward took 22.8 ms passive against 9.6 ms with a short spin).
/// VisionFactory therefore asks for a short spin, <see cref="SpinCount"/> iterations (a millisecond or less), then
/// sleep: operations that follow each other within a forward pass find their workers awake, and a pause longer than
/// that frees the cores. The person running it can choose otherwise by setting either variable themselves.
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

    /// <summary>The policy VisionFactory asks for: idle workers sleep once their spin is over.</summary>
    public const string Passive = "PASSIVE";

    /// <summary>The GNU OpenMP variable for how many iterations an idle worker spins before it sleeps.</summary>
    public const string SpinVariable = "GOMP_SPINCOUNT";

    /// <summary>
    /// The spin VisionFactory asks for. Measured on the 2-core machine (<c>bench -- zoo</c>, 3 rounds): passive alone,
    /// 20 000, 100 000 and 300 000 gave ResNet-18 37.1, 31.7, 29.3 and 29.1 ms and DenseNet-121 77.4, 66.0, 48.5 and
    /// 55.8 ms; beyond 100 000 the spin only holds the cores longer.
    /// </summary>
    public const long SpinCount = 100_000;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    /// <summary>
    /// Sets <c>OMP_WAIT_POLICY=PASSIVE</c> and <c>GOMP_SPINCOUNT=</c><see cref="SpinCount"/> in the native environment
    /// unless either is set already (then the person's choice stands alone); returns the policy in force afterwards
    /// (null where the native environment cannot be reached, i.e. not on Linux).
    /// </summary>
    public static string? Apply()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc))
            return null;

        if (Current() is null && Read(SpinVariable) is null)
        {
            var setenv = Marshal.GetDelegateForFunctionPointer<SetEnv>(NativeLibrary.GetExport(libc, "setenv"));
            _ = setenv(Variable, Passive, 0);
            _ = setenv(SpinVariable, SpinCount.ToString(CultureInfo.InvariantCulture), 0);
        }

        return Current();
    }

    /// <summary>The spin count in the native environment, or null when unset or not on Linux.</summary>
    public static string? Spin() => Read(SpinVariable);

    /// <summary>The policy in the native environment (what OpenMP sees), or null when unset or not on Linux.</summary>
    public static string? Current() => Read(Variable);

    private static string? Read(string variable)
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc))
            return null;

        var getenv = Marshal.GetDelegateForFunctionPointer<GetEnv>(NativeLibrary.GetExport(libc, "getenv"));
        var value = getenv(variable);
        return value == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(value);
    }
}
