using OpenCvSharp;
using VisionFactory.Domain.Models;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Inference;
using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Processors;

/// <summary>Settings of <c>classify</c>.</summary>
public sealed class ClassifySettings
{
    /// <summary>The model version, e.g. m-5f3a9c2e ('vf models' lists them).</summary>
    public string Model { get; set; } = "";

    /// <summary>Classify each face found by an earlier face_detection step (the whole frame when none was found).</summary>
    public bool PerFace { get; set; } = true;

    /// <summary>Frames without a face: classify the whole frame (true) or leave them unlabelled (false).</summary>
    public bool WholeFrameWithoutFaces { get; set; } = true;
}

/// <summary>
/// Labels faces (or whole frames) with a trained model. Each crop is prepared exactly as <c>vf predict</c> prepares an
/// image file (the same decoder and resize), so a pipeline's labels equal a direct prediction on the same crops.
/// </summary>
public sealed class ClassifyProcessor(IClassifierEngine engine, ModelVersion model, ClassifySettings settings, ImageLimits limits) : IFrameProcessor
{
    public bool Process(Frame frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        frame.Labels.Clear();
        var regions = settings.PerFace && frame.Faces.Count > 0
            ? frame.Faces.Select(f => (FaceBox?)f).ToList()
            : settings.WholeFrameWithoutFaces ? [null] : [];
        if (regions.Count == 0)
        {
            return true;
        }

        var inputs = regions.Select(region => Prepare(frame.Image, region)).ToList();
        var probabilities = engine.Probabilities(inputs, Math.Max(1, inputs.Count), cancellationToken);
        for (var i = 0; i < regions.Count; i++)
        {
            var best = ClassificationMetrics.ArgMax(probabilities[i]);
            frame.Labels.Add(new Classification(regions[i], model.Classes[best], probabilities[i][best]));
        }

        return true;
    }

    private byte[] Prepare(Mat image, FaceBox? region)
    {
        using var crop = region is { } r ? new Mat(image, r.ToRect()) : null;
        Cv2.ImEncode(".bmp", crop ?? image, out var lossless);
        return ImageDecoder.DecodeSquare(lossless, engine.ImageSize, limits, engine.Fit).Rgb;
    }

    public void Dispose() => engine.Dispose();
}
