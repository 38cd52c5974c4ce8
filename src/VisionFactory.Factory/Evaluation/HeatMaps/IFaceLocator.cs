using VisionFactory.Domain.Models.HeatMaps;

namespace VisionFactory.Factory.Evaluation.HeatMaps;

/// <summary>
/// Finds the face in a picture for the heat-map check. The pipelines provide OpenCV's YuNet detector; where none is
/// registered or its model file is missing, faces are not checked and the report says why.
/// </summary>
public interface IFaceLocator
{
    /// <summary>Why faces cannot be looked for here; null when they can.</summary>
    string? Unavailable { get; }

    /// <summary>The most confident face in a square RGB picture, as fractions of its side; null when there is none.</summary>
    /// <param name="rgb">side x side x 3 bytes.</param>
    /// <param name="side">The picture's side in pixels.</param>
    RegionBox? Locate(byte[] rgb, int side);
}

/// <summary>The locator of a process that has no face detector.</summary>
public sealed class NoFaceLocator : IFaceLocator
{
    public string? Unavailable => "no face detector is installed in this process";

    public RegionBox? Locate(byte[] rgb, int side) => null;
}
