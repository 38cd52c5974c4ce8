using OpenCvSharp;
using VisionFactory.Domain.Models.HeatMaps;
using VisionFactory.Factory.Evaluation.HeatMaps;
using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Processors;

/// <summary>
/// The heat-map check's face finder: the pipelines' YuNet detector with the face_detection step's default thresholds
/// (score 0.6, NMS 0.3). The detector is made on first use and used by one caller at a time.
/// </summary>
public sealed class YuNetFaceLocator(string? modelPath) : IFaceLocator, IDisposable
{
    private readonly Lock turn = new();
    private YuNetFaceDetector? detector;

    public string? Unavailable => string.IsNullOrWhiteSpace(modelPath)
        ? "no YuNet face model is configured (Pipelines:YuNetModelPath, or VF_YUNET for the command line)"
        : File.Exists(modelPath) ? null : $"the YuNet face model '{modelPath}' does not exist";

    public RegionBox? Locate(byte[] rgb, int side)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        if (Unavailable is not null)
        {
            return null;
        }

        using var view = Mat.FromPixelData(side, side, MatType.CV_8UC3, rgb);
        using var bgr = view.CvtColor(ColorConversionCodes.RGB2BGR);
        List<FaceBox> found;
        lock (turn)
        {
            detector ??= new YuNetFaceDetector(modelPath!, 0.6f, 0.3f, 5000);
            found = detector.Detect(bgr);
        }

        if (found.Count == 0)
        {
            return null;
        }

        var best = found.MaxBy(f => f.Score);
        return new RegionBox(best.X / (double)side, best.Y / (double)side, best.Width / (double)side, best.Height / (double)side);
    }

    public void Dispose()
    {
        lock (turn)
        {
            detector?.Dispose();
            detector = null;
        }
    }
}
