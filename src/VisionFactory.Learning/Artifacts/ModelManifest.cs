namespace VisionFactory.Learning.Artifacts;

/// <summary>
/// What a model artifact needs besides its tensors to classify images the way it was trained to: architecture,
/// classes and input preparation. Stored as <c>manifest.json</c> beside <c>weights.safetensors</c>.
/// </summary>
public sealed record ModelManifest
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    public required string ModelId { get; init; }

    public required string Architecture { get; init; }

    public required List<string> Classes { get; init; }

    public required int ImageSize { get; init; }

    public required ModelInput Input { get; init; }

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>
/// How pixels become network input: channel order, then <c>(pixel * Scale - mean) / std</c>, where the mean
/// (and std, if any) are tensors stored in the artifact under the given names. <c>Fit</c> says how pictures were made
/// square: "center-crop", or "stretch" (also what a manifest without it, written before crops, means).
/// </summary>
public sealed record ModelInput(string Channels, float Scale, string MeanTensor, string? StdTensor, string? Fit = null)
{
    public const string StretchFit = "stretch";

    public const string CenterCropFit = "center-crop";
}
