using OpenCvSharp;
using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Processors;

/// <summary>Settings of <c>crop</c>: a region as fractions of the frame (0..1), so it fits any camera resolution.</summary>
public sealed class CropSettings
{
    public double Left { get; set; }

    public double Top { get; set; }

    public double Width { get; set; } = 1;

    public double Height { get; set; } = 1;
}

/// <summary>Keeps a region of interest (a door, a counter); face boxes move with it and those outside are dropped.</summary>
public sealed class CropProcessor(CropSettings settings) : IFrameProcessor
{
    public bool Process(Frame frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var (w, h) = (frame.Image.Width, frame.Image.Height);
        var x = (int)Math.Round(settings.Left * w);
        var y = (int)Math.Round(settings.Top * h);
        var cw = Math.Min(w - x, Math.Max(1, (int)Math.Round(settings.Width * w)));
        var ch = Math.Min(h - y, Math.Max(1, (int)Math.Round(settings.Height * h)));
        if (cw < 1 || ch < 1)
        {
            return false;
        }

        if (x == 0 && y == 0 && cw == w && ch == h)
        {
            return true;
        }

        using (var view = new Mat(frame.Image, new Rect(x, y, cw, ch)))
        {
            frame.ReplaceImage(view.Clone());
        }

        FrameGeometry.Transform(frame, b => FrameGeometry.Clip(b with { X = b.X - x, Y = b.Y - y }, cw, ch));
        return true;
    }

    public void Dispose()
    {
    }
}
