using OpenCvSharp;

namespace VisionFactory.Pipelines.Runtime;

/// <summary>
/// A frame on its way through the processors: the decoded picture (BGR) and what the steps found in it. Owned by one
/// step at a time; the runtime disposes it once its results are published or when it is dropped.
/// </summary>
public sealed class Frame : IDisposable
{
    public Frame(long sequence, DateTimeOffset capturedAt, Mat image, long startedTicks)
    {
        Sequence = sequence;
        CapturedAt = capturedAt;
        Image = image;
        StartedTicks = startedTicks;
    }

    public long Sequence { get; }

    public DateTimeOffset CapturedAt { get; }

    /// <summary>When the source received the frame (<see cref="System.Diagnostics.Stopwatch"/> ticks), for end-to-end latency.</summary>
    public long StartedTicks { get; }

    /// <summary>The picture, BGR, 8 bits per channel. A step that replaces it disposes the old one.</summary>
    public Mat Image { get; private set; }

    /// <summary>Face boxes in <see cref="Image"/> pixels; empty when no face was found or no detector ran.</summary>
    public List<FaceBox> Faces { get; } = [];

    /// <summary>Classifications: one per face when faces were found, else one for the whole frame.</summary>
    public List<Classification> Labels { get; } = [];

    public void ReplaceImage(Mat image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!ReferenceEquals(image, Image))
        {
            Image.Dispose();
            Image = image;
        }
    }

    public void Dispose() => Image.Dispose();
}

/// <summary>A face's bounding box in frame pixels, with the detector's score.</summary>
public readonly record struct FaceBox(int X, int Y, int Width, int Height, float Score)
{
    public Rect ToRect() => new(X, Y, Width, Height);
}

/// <summary>A label and its confidence, for a face (<see cref="Face"/> set) or for the whole frame.</summary>
public sealed record Classification(FaceBox? Face, string Label, double Confidence);
