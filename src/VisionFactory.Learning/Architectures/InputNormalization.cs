using static TorchSharp.torch;

namespace VisionFactory.Learning.Architectures;

/// <summary>How an architecture wants its pixels: channel order, scale and per-channel mean / std.</summary>
/// <param name="Channels">"rgb" or "bgr".</param>
/// <param name="Scale">Multiplier applied to 0..255 pixels first (1/255 for 0..1 inputs).</param>
/// <param name="Mean">Per-channel mean subtracted after scaling, in channel order; null for a mean image.</param>
/// <param name="Std">Per-channel standard deviation divided by; null for none.</param>
public sealed record InputNormalization(string Channels, float Scale, float[]? Mean, float[]? Std)
{
    /// <summary>torchvision's ImageNet convention: RGB in 0..1, mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).</summary>
    public static InputNormalization ImageNet { get; } = new("rgb", 1f / 255f, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    public string Describe() => Mean is null
        ? $"{Channels.ToUpperInvariant()} 0..255 minus the mean image"
        : $"{Channels.ToUpperInvariant()} x{Scale:0.#####}, mean ({string.Join(", ", Mean)}), std ({string.Join(", ", Std ?? [1f, 1f, 1f])})";

    /// <summary>The transform for per-channel normalisation (architectures with a mean image build their own).</summary>
    public InputTransform CreateTransform()
    {
        if (Mean is null)
        {
            throw new InvalidOperationException("this normalisation uses a mean image, which its architecture provides");
        }

        return new InputTransform(
            Channels == "bgr",
            Scale,
            tensor(Mean, [3, 1, 1]),
            Std is null ? null : tensor(Std, [3, 1, 1]));
    }
}
