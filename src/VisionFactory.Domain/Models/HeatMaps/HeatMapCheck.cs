namespace VisionFactory.Domain.Models.HeatMaps;

/// <summary>
/// Where the model looks: the mean class-activation map of each class over a sample of the evaluated images, how
/// firmly each class's evidence sits in one place, how much of it lies on the face in datasets of faces, and a warning
/// where the evidence sits on a fixed spot near the edge of the picture or outside the face (a likely shortcut).
/// </summary>
public sealed record HeatMapCheck
{
    /// <summary>Side of every stored map (<see cref="ClassHeatMap.MeanMap"/> holds GridSize x GridSize values, row-major, top row first).</summary>
    public required int GridSize { get; init; }

    /// <summary>How the maps were made: "cam" (head weights times features) or "gradcam".</summary>
    public required string Method { get; init; }

    /// <summary>The feature-map layer the maps come from.</summary>
    public required string Layer { get; init; }

    /// <summary>Images the maps were made from: a fixed sample of up to <see cref="HeatMapThresholds.ImagesPerClass"/> per class.</summary>
    public required int SampledImages { get; init; }

    /// <summary>Per class: its mean map and figures, in the model's class order.</summary>
    public required List<ClassHeatMap> Classes { get; init; }

    /// <summary>Whether the images are pictures of faces (a face was found in most of the sample); null where no face detector is available.</summary>
    public bool? Faces { get; init; }

    /// <summary>Share of the sampled images in which a face was found; null where no face detector is available.</summary>
    public double? FaceImageShare { get; init; }

    /// <summary>Sentences for a person deciding whether to deploy; empty when nothing looks wrong.</summary>
    public required List<string> Warnings { get; init; }

    /// <summary>What could not be checked and why (e.g. no face detector installed); null when everything was checked.</summary>
    public string? Note { get; init; }

    /// <summary>Seconds the check took.</summary>
    public double Seconds { get; init; }
}

/// <summary>Where the evidence for one class lies, measured on that class's own images.</summary>
/// <param name="Class">The class.</param>
/// <param name="Images">Sampled images of the class whose map had any evidence.</param>
/// <param name="MeanMap">The mean of the images' maps (each scaled to sum 1 first), scaled so its largest value is 1; GridSize x GridSize, row-major.</param>
/// <param name="PeakConcentration">
/// The largest share of the class's images whose strongest spot falls in one and the same small region (a window of
/// <see cref="HeatMapThresholds.WindowCells"/> x <see cref="HeatMapThresholds.WindowCells"/> cells, about 5% of the frame).
/// If evidence followed objects spread over the frame this stays low; 1 means every image's evidence peaks in one place.
/// </param>
/// <param name="PeakX">Where the peaks in that region lie on average, 0 (left) to 1 (right).</param>
/// <param name="PeakY">Where the peaks in that region lie on average, 0 (top) to 1 (bottom).</param>
/// <param name="PeakRegion">Where that region is, in words ("centre", "top-left corner", "bottom edge", ...).</param>
/// <param name="FaceShare">Mean share of the evidence inside the detected face box, over the images with a face; null where faces were not checked.</param>
/// <param name="FaceArea">Mean share of the picture the face box covers (the share evidence spread evenly would give); null where faces were not checked.</param>
/// <param name="FaceImages">Sampled images of the class in which a face was found.</param>
public sealed record ClassHeatMap(
    string Class,
    int Images,
    float[] MeanMap,
    double PeakConcentration,
    double PeakX,
    double PeakY,
    string PeakRegion,
    double? FaceShare,
    double? FaceArea,
    int FaceImages);

/// <summary>A box inside a square picture, as fractions of its side (0..1 from the top-left corner).</summary>
public readonly record struct RegionBox(double X, double Y, double Width, double Height)
{
    public double Area => Math.Clamp(Width, 0, 1) * Math.Clamp(Height, 0, 1);
}
