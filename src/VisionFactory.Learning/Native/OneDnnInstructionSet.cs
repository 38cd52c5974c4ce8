using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace VisionFactory.Learning.Native;

/// <summary>
/// Caps oneDNN (libtorch's CPU convolution library) at AVX2 on x86 processors that describe no L1 data cache through
/// CPUID (<see cref="CpuDataCache"/>). On such a machine (seen: an AMD EPYC guest with AVX-512 whose cache leaves are
/// empty) libtorch 2.10's AVX-512 convolutions size their blocks from the missing cache figures and compute wrong
/// results: GoogLeNet's logits differed from torchvision's by 8e-3 (relative) and the bundled ResNet's features of one
/// picture by 3.5 % between two memory layouts; with <c>ONEDNN_MAX_CPU_ISA=AVX2</c> both agree to 1e-4 again. The person
/// running the platform can choose otherwise by setting the variable themselves.
/// </summary>
/// <remarks>
/// oneDNN reads the variable from the native environment once, when it first dispatches, so <see cref="Apply"/> calls
/// libc's <c>setenv</c> before libtorch is loaded (<see cref="TorchNativeLibrary"/> does it).
/// </remarks>
public static class OneDnnInstructionSet
{
    /// <summary>The variable oneDNN reads.</summary>
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The cap used where the processor describes no cache.</summary>
    public const string Cap = "AVX2";

    /// <summary>True when this processor needs the cap: x86 with AVX-512 and no L1 data cache described through CPUID.</summary>
    public static bool Needed => Avx512F.IsSupported && CpuDataCache.PerCoreFirstLevelBytes is null;

    /// <summary>Sets the cap where <see cref="Needed"/> and nobody chose a value; returns the value oneDNN will see.</summary>
    public static string? Apply()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc))
            return null;
        var getenv = Marshal.GetDelegateForFunctionPointer<GetEnv>(NativeLibrary.GetExport(libc, "getenv"));
        var current = getenv(Variable);
        if (current != IntPtr.Zero)
            return Marshal.PtrToStringUTF8(current);
        if (!Needed)
            return null;
        var setenv = Marshal.GetDelegateForFunctionPointer<SetEnv>(NativeLibrary.GetExport(libc, "setenv"));
        _ = setenv(Variable, Cap, 0);
        return Cap;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
