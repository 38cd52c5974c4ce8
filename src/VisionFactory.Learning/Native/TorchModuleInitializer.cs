using System.Runtime.CompilerServices;

namespace VisionFactory.Learning.Native;

/// <summary>Prepares TorchSharp's native library before any code of this assembly can make a tensor.</summary>
internal static class TorchModuleInitializer
{
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The native library must be ready before the first tensor, on every path into this library.")]
    internal static void Initialize() => TorchNativeLibrary.PrepareBeforeFirstUse();
}
