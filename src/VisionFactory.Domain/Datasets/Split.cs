namespace VisionFactory.Domain.Datasets;

/// <summary>The part of a dataset version an image belongs to.</summary>
public enum Split
{
    Train = 0,
    Validation = 1,
    Test = 2,
}
