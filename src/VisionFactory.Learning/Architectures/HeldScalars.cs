using TorchSharp;

namespace VisionFactory.Learning.Architectures;

/// <summary>
/// Numbers for TorchSharp calls on the hot paths, held for the life of the process.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 turns a number into a native <see cref="Scalar"/> that only its finalizer frees, and reads its
/// handle before the native call: from then on nothing keeps the Scalar alive, so a garbage collection during the call
/// can free it while libtorch reads it. <c>a + b</c> is <c>a.add(b, 1)</c> with such a temporary. libtorch then fails
/// with "Expected false to be true ... toFloat" (or worse); a 30-minute soak of <c>vf serve</c> lost 6 predictions
/// to it, and 15 s of additions under collection pressure failed 237 times in 4.35 million (none with a held
/// Scalar). A Scalar in a static field is always reachable; one made for a single call is disposed after it
/// (<c>using var</c>), which keeps it alive until then.
/// </remarks>
internal static class HeldScalars
{
    /// <summary>The factor 1, for <c>a.add(b, One)</c> in place of <c>a + b</c>.</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>0, the lower bound of a pixel.</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>255, the upper bound of an 8-bit pixel.</summary>
    public static readonly Scalar MaxPixel = 255.ToScalar();
}
