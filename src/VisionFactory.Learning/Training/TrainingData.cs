using VisionFactory.Learning.Data;

namespace VisionFactory.Learning.Training;

/// <summary>The images of a run, by split. Test images are only read for evaluation, never for training.</summary>
public sealed record TrainingData(
    IReadOnlyList<string> Classes,
    IReadOnlyList<LabelledImage> Train,
    IReadOnlyList<LabelledImage> Validation,
    IReadOnlyList<LabelledImage> Test);
