using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Processors;

/// <summary>Settings of <c>face_detection</c>.</summary>
public sealed class FaceDetectionSettings
{
    /// <summary>A YuNet model file; empty uses the installation's (Pipelines:YuNetModelPath).</summary>
    public string? ModelPath { get; set; }

    public double ScoreThreshold { get; set; } = 0.6;

    public double NmsThreshold { get; set; } = 0.3;

    /// <summary>Faces smaller than this many pixels on a side are ignored.</summary>
    public int MinFacePixels { get; set; } = 16;

    public int MaxFaces { get; set; } = 20;
}

/// <summary>Adds face boxes to frames, largest faces first, with whichever detector was available at start.</summary>
public sealed class FaceDetectionProcessor(IFaceDetector detector, FaceDetectionSettings settings) : IFrameProcessor
{
    public string Detector => detector.Name;

    public bool Process(Frame frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        frame.Faces.Clear();
        frame.Faces.AddRange(detector.Detect(frame.Image)
            .Where(f => f.Width >= settings.MinFacePixels && f.Height >= settings.MinFacePixels)
            .OrderByDescending(f => f.Width * f.Height)
            .Take(settings.MaxFaces));
        return true;
    }

    public void Dispose() => detector.Dispose();
}
