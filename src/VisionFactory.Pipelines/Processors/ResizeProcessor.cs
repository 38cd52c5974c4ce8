using OpenCvSharp;
using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Processors;

/// <summary>Settings of <c>resize</c>.</summary>
public sealed class ResizeSettings
{
    public int Width { get; set; } = 640;

    public int Height { get; set; } = 480;

    /// <summary>Fit inside width x height keeping the aspect ratio (false: stretch to exactly width x height).</summary>
    public bool KeepAspect { get; set; } = true;
}

/// <summary>Scales frames (area averaging when shrinking); face boxes found earlier are scaled with them.</summary>
public sealed class ResizeProcessor(ResizeSettings settings) : IFrameProcessor
{
    public bool Process(Frame frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var (w, h) = (frame.Image.Width, frame.Image.Height);
        double sx = (double)settings.Width / w, sy = (double)settings.Height / h;
        if (settings.KeepAspect)
        {
            sx = sy = Math.Min(sx, sy);
        }

        var size = new Size(Math.Max(1, (int)Math.Round(w * sx)), Math.Max(1, (int)Math.Round(h * sy)));
        if (size.Width == w && size.Height == h)
        {
            return true;
        }

        var interpolation = sx < 1 || sy < 1 ? InterpolationFlags.Area : InterpolationFlags.Linear;
        frame.ReplaceImage(frame.Image.Resize(size, 0, 0, interpolation));
        FrameGeometry.Transform(frame, b => FrameGeometry.Clip(
            new FaceBox((int)Math.Round(b.X * sx), (int)Math.Round(b.Y * sy), (int)Math.Round(b.Width * sx), (int)Math.Round(b.Height * sy), b.Score),
            size.Width, size.Height));
        return true;
    }

    public void Dispose()
    {
    }
}
