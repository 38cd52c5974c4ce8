using OpenCvSharp;
using OpenCvSharp.Dnn;
using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Processors;

/// <summary>Finds faces in a BGR picture.</summary>
public interface IFaceDetector : IDisposable
{
    string Name { get; }

    List<FaceBox> Detect(Mat image);
}

/// <summary>
/// OpenCV's YuNet DNN face detector. This binding fixes the network's input at creation, so every frame is scaled to
/// fit 320x320 (aspect kept, padded) and the boxes are scaled back to frame pixels.
/// </summary>
public sealed class YuNetFaceDetector : IFaceDetector
{
    public const int InputSide = 320;
    private readonly FaceDetectorYN detector;
    private readonly Mat canvas = new(InputSide, InputSide, MatType.CV_8UC3, Scalar.All(0));
    private readonly Mat faces = new();

    public YuNetFaceDetector(string modelPath, float scoreThreshold, float nmsThreshold, int topK)
    {
        detector = FaceDetectorYN.Create(modelPath, "", new Size(InputSide, InputSide), scoreThreshold, nmsThreshold, topK, Backend.OPENCV, Target.CPU);
    }

    public string Name => "yunet";

    public List<FaceBox> Detect(Mat image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var scale = (double)InputSide / Math.Max(image.Width, image.Height);
        var size = new Size(Math.Clamp((int)Math.Round(image.Width * scale), 1, InputSide), Math.Clamp((int)Math.Round(image.Height * scale), 1, InputSide));
        canvas.SetTo(Scalar.All(0));
        using (var target = new Mat(canvas, new Rect(0, 0, size.Width, size.Height)))
        {
            Cv2.Resize(image, target, size, 0, 0, scale < 1 ? InterpolationFlags.Area : InterpolationFlags.Linear);
        }

        detector.Detect(canvas, faces);
        var rows = faces.Rows;
        var found = new List<FaceBox>(rows);
        for (var r = 0; r < rows; r++)
        {
            var box = new FaceBox(
                (int)Math.Round(faces.At<float>(r, 0) / scale),
                (int)Math.Round(faces.At<float>(r, 1) / scale),
                (int)Math.Round(faces.At<float>(r, 2) / scale),
                (int)Math.Round(faces.At<float>(r, 3) / scale),
                faces.At<float>(r, 14));
            if (FrameGeometry.Clip(box, image.Width, image.Height) is { } clipped)
            {
                found.Add(clipped);
            }
        }

        return found;
    }

    public void Dispose()
    {
        detector.Dispose();
        canvas.Dispose();
        faces.Dispose();
    }
}

/// <summary>OpenCV's Haar frontal-face cascade: the fallback when no YuNet model is available. It misses most masked faces.</summary>
public sealed class HaarFaceDetector(string cascadePath, int minFace) : IFaceDetector
{
    private readonly CascadeClassifier cascade = new(cascadePath);

    public string Name => "haar";

    public List<FaceBox> Detect(Mat image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var gray = image.CvtColor(ColorConversionCodes.BGR2GRAY);
        Cv2.EqualizeHist(gray, gray);
        return cascade.DetectMultiScale(gray, 1.1, 4, HaarDetectionTypes.ScaleImage, new Size(minFace, minFace))
            .Select(r => new FaceBox(r.X, r.Y, r.Width, r.Height, 1f)).ToList();
    }

    public void Dispose() => cascade.Dispose();
}
