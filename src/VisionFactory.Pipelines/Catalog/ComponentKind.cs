namespace VisionFactory.Pipelines.Catalog;

/// <summary>Where a component sits in a pipeline.</summary>
public enum ComponentKind
{
    /// <summary>Produces frames (a camera, a folder); the first step.</summary>
    Source,

    /// <summary>Transforms, annotates or drops frames; the steps in between.</summary>
    Processor,

    /// <summary>Receives every finished frame's results; the last steps (several sinks each get every result).</summary>
    Sink,
}

/// <summary>What a frame carries at a point of the pipeline: a step needs some of it and adds some.</summary>
[Flags]
public enum FrameContent
{
    None = 0,

    /// <summary>The decoded picture.</summary>
    Image = 1,

    /// <summary>Face boxes (possibly none) from a face-detection step.</summary>
    Faces = 2,

    /// <summary>Labels with confidences from a classify step (per face, or for the whole frame).</summary>
    Labels = 4,
}
