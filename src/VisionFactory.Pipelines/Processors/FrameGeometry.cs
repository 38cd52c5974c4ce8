using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Processors;

/// <summary>Keeps face boxes in step with the picture when a step scales or crops it.</summary>
internal static class FrameGeometry
{
    public static void Transform(Frame frame, Func<FaceBox, FaceBox?> map)
    {
        var faces = frame.Faces.Select(map).ToList();
        frame.Faces.Clear();
        frame.Faces.AddRange(faces.Where(f => f is not null).Select(f => f!.Value));
        var labels = frame.Labels.Select(l => l.Face is { } face ? map(face) is { } moved ? l with { Face = moved } : null : l).ToList();
        frame.Labels.Clear();
        frame.Labels.AddRange(labels.Where(l => l is not null)!);
    }

    /// <summary>The box clipped to a width x height picture, or null when nothing of it is left.</summary>
    public static FaceBox? Clip(FaceBox box, int width, int height)
    {
        var x0 = Math.Clamp(box.X, 0, width);
        var y0 = Math.Clamp(box.Y, 0, height);
        var x1 = Math.Clamp(box.X + box.Width, 0, width);
        var y1 = Math.Clamp(box.Y + box.Height, 0, height);
        return x1 - x0 < 2 || y1 - y0 < 2 ? null : new FaceBox(x0, y0, x1 - x0, y1 - y0, box.Score);
    }
}
