using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Learning.OnnxImport;

/// <summary>
/// How a foreign ONNX classifier wants its input prepared, as the person importing it says (<c>--size --mean --std --bgr
/// --fit --input-range</c>); every member null when not given. A VisionFactory export carries all of it in its metadata
/// and normalises inside its graph, so none is needed for one.
/// </summary>
/// <param name="Size">Side of the square images, when the graph's height and width are dynamic.</param>
/// <param name="Mean">Per-channel mean (R, G, B), in the units of <paramref name="InputRange"/>.</param>
/// <param name="Std">Per-channel standard deviation (R, G, B), in the units of <paramref name="InputRange"/>.</param>
/// <param name="Bgr">The network reads its channels in BGR order.</param>
/// <param name="Fit">How pictures are made square: center-crop (default) or stretch.</param>
/// <param name="InputRange">Pixels scaled to 0..1 (1, the default, torchvision's convention) or kept 0..255 (255).</param>
public sealed record OnnxInputPreparation(
    int? Size = null, float[]? Mean = null, float[]? Std = null, bool? Bgr = null, SquareFit? Fit = null, int? InputRange = null)
{
    /// <summary>Whether any normalisation setting was given (what a VisionFactory export must not be given).</summary>
    public bool NamesNormalisation => Mean is not null || Std is not null || Bgr is not null || InputRange is not null;
}

/// <summary>An imported graph that meets the platform's classifier contract, ready to store.</summary>
/// <param name="Graph">The ONNX model: the file itself for a VisionFactory export, else the file with the input preparation
/// and a softmax added, so that it reads input <c>image</c> (float32 [N, 3, S, S], RGB 0..255) and answers
/// <c>probabilities</c> [N, classes], as <see cref="Inference.OnnxClassifierEngine"/> expects.</param>
/// <param name="Classes">The class names, in output order.</param>
/// <param name="ImageSize">The side of the square images it reads.</param>
/// <param name="Fit">How pictures are made square for it.</param>
/// <param name="OwnExport">Whether the file is a VisionFactory export (its metadata read, its graph unchanged).</param>
/// <param name="InputName">The graph's own input name.</param>
/// <param name="OutputName">The graph's own output name.</param>
/// <param name="Preprocessing">What is done to pixels before the network, in words.</param>
public sealed record ImportedOnnxClassifier(
    byte[] Graph, IReadOnlyList<string> Classes, int ImageSize, SquareFit Fit, bool OwnExport, string InputName, string OutputName, string Preprocessing);
