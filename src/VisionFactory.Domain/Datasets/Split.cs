namespace VisionFactory.Domain.Datasets;

/// <summary>The part of a dataset version an image belongs to.</summary>
public enum Split
{
    Train = 0,
    Validation = 1,
    Test = 2,

    /// <summary>
    /// The dataset's pool of images without a class yet (imported with --unlabelled): kept with every version, shown for
    /// labelling, never trained or evaluated on. Labelling one gives it a class and a train / validation / test split.
    /// </summary>
    Pool = 3,
}
