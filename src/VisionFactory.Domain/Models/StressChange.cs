namespace VisionFactory.Domain.Models;

/// <summary>The label-preserving changes of the stress test.</summary>
public enum StressChangeKind
{
    HueRotation,
    Greyscale,
    BrightnessContrast,
    Blur,
    Jpeg,
    CropShift,
    Occlusion,
}

/// <summary>One change of the stress test, in words.</summary>
/// <param name="Kind">Which change.</param>
/// <param name="Name">Its short name in reports and JSON.</param>
/// <param name="Description">What is done to every image.</param>
/// <param name="When">The end of "X recall falls from a to b ..." that names the change.</param>
/// <param name="Suspicion">What a sharp fall suggests the model relies on.</param>
public sealed record StressChange(StressChangeKind Kind, string Name, string Description, string When, string Suspicion)
{
    /// <summary>
    /// Every change, mild enough that a person still sees the same class at once. The colour changes are strong on
    /// purpose (a rotation of 90 to 180 degrees turns a light-blue mask orange): a class does not change with colour
    /// unless colour is what defines it, in which case the warning is a reminder of that.
    /// </summary>
    public static IReadOnlyList<StressChange> All { get; } =
    [
        new(StressChangeKind.HueRotation, "hue_rotation",
            "colours rotated 90 to 180 degrees around the colour wheel (brightness kept)",
            "when colours are rotated around the colour wheel",
            "the model may rely on colour, not the object"),
        new(StressChangeKind.Greyscale, "greyscale",
            "shown in greyscale",
            "when the image is shown in greyscale",
            "the model may rely on colour, not the object"),
        new(StressChangeKind.BrightnessContrast, "brightness_contrast",
            "brightness and contrast each scaled by 0.75 to 1.25",
            "when brightness and contrast change a little",
            "the model may rely on lighting or exposure, not the object"),
        new(StressChangeKind.Blur, "blur",
            "slight Gaussian blur (sigma 1.2 px at 224 px, at least 0.6 px)",
            "when the image is slightly blurred",
            "the model may rely on fine texture or sharp edges (e.g. of a pasted drawing), not the object"),
        new(StressChangeKind.Jpeg, "jpeg",
            "saved again as a JPEG of quality 30",
            "when the image is saved again as a low-quality JPEG",
            "the model may rely on fine texture or compression traces, not the object"),
        new(StressChangeKind.CropShift, "crop_shift",
            "cropped to 80 to 90% of each side at a random place and enlarged back",
            "when the image is slightly cropped and shifted",
            "the model may rely on where things sit in the frame (a corner, a border), not the object"),
        new(StressChangeKind.Occlusion, "occlusion",
            "a grey square of a sixth of the side hides a random place",
            "when a small grey square hides a random part of the image",
            "the model may rely on one small region of the image"),
    ];
}
