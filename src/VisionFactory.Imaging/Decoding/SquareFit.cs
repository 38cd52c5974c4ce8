namespace VisionFactory.Imaging.Decoding;

/// <summary>How a picture of any shape becomes the square a network reads.</summary>
public enum SquareFit
{
    /// <summary>The whole picture, scaled to the square: wide or tall pictures are squeezed (faces too).</summary>
    Stretch,

    /// <summary>
    /// The shorter side scaled to the square's, the middle kept (torchvision's resize and centre crop): shapes keep
    /// their proportions, and the ends of the longer side are left out.
    /// </summary>
    CenterCrop,
}
