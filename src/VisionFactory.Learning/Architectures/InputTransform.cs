using TorchSharp;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Architectures;

/// <summary>
/// Turns raw pixels (0..255, in the channel order the network wants) into network input:
/// <c>(x * Scale - Mean) / Std</c>, where Mean is per channel or a whole mean image.
/// </summary>
public sealed class InputTransform : IDisposable
{
    private readonly Scalar scaleFactor;

    public InputTransform(bool bgr, float scale, Tensor mean, Tensor? std)
    {
        Bgr = bgr;
        Scale = scale;
        scaleFactor = scale.ToScalar();
        Mean = mean;
        Std = std;
    }

    /// <summary>True when the network reads blue, green, red.</summary>
    public bool Bgr { get; }

    public float Scale { get; }

    /// <summary>[3, 1, 1] per-channel mean, or [3, S, S] mean image.</summary>
    public Tensor Mean { get; }

    /// <summary>[3, 1, 1] per-channel standard deviation, or null for none.</summary>
    public Tensor? Std { get; }

    /// <summary>Normalises a [N, 3, S, S] batch; the result belongs to the caller's dispose scope.</summary>
    public Tensor Apply(Tensor raw)
    {
        // Held Scalars, not numbers: see HeldScalars.
        var x = Scale == 1f ? raw - Mean : raw.mul(scaleFactor).sub_(Mean);
        return Std is null ? x : x / Std;
    }

    public void Dispose()
    {
        Mean.Dispose();
        Std?.Dispose();
        scaleFactor.Dispose();
    }
}
