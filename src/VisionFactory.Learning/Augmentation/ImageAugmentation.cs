namespace VisionFactory.Learning.Augmentation;

/// <summary>What is done to one training image of one step, drawn by <see cref="AugmentationPolicy.Draw"/>.</summary>
/// <param name="Flip">Mirror left-right.</param>
/// <param name="RotationDegrees">Rotation about the centre; the corners it uncovers are black.</param>
/// <param name="CropWidth">Width of the crop as a share of the image's width (1 = whole width).</param>
/// <param name="CropHeight">Height of the crop as a share of the image's height.</param>
/// <param name="CropCenterX">Centre of the crop, -1 (left edge) .. 1 (right edge).</param>
/// <param name="CropCenterY">Centre of the crop, -1 (top edge) .. 1 (bottom edge).</param>
/// <param name="Brightness">Factor on every pixel (1 = unchanged).</param>
/// <param name="Contrast">Factor on the distance from the image's mean grey (1 = unchanged).</param>
/// <param name="Saturation">Factor on the distance from each pixel's grey (1 = unchanged).</param>
public sealed record ImageAugmentation(
    bool Flip,
    double RotationDegrees,
    double CropWidth,
    double CropHeight,
    double CropCenterX,
    double CropCenterY,
    double Brightness,
    double Contrast,
    double Saturation)
{
    /// <summary>The image as it is.</summary>
    public static ImageAugmentation None { get; } = new(false, 0, 1, 1, 0, 0, 1, 1, 1);

    /// <summary>True when the image is resampled (rotated or cropped).</summary>
    public bool IsGeometric => RotationDegrees != 0 || CropWidth != 1 || CropHeight != 1 || CropCenterX != 0 || CropCenterY != 0;

    /// <summary>True when the colours change.</summary>
    public bool IsPhotometric => Brightness != 1 || Contrast != 1 || Saturation != 1;
}
