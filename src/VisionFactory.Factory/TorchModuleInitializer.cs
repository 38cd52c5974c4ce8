using System.Runtime.CompilerServices;
using VisionFactory.Learning.Native;

namespace VisionFactory.Factory;

/// <summary>This assembly makes tensors itself (the zoo's weight imports): the native library is prepared first.</summary>
internal static class TorchModuleInitializer
{
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The native library must be ready before the first tensor, on every path into this library.")]
    internal static void Initialize() => TorchNativeLibrary.PrepareBeforeFirstUse();
}
