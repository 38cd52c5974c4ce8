namespace VisionFactory.Domain.Models;

/// <summary>How much each class counts in the training loss.</summary>
public enum ClassWeighting
{
    /// <summary>Every image counts the same, so frequent classes dominate.</summary>
    None = 0,

    /// <summary>
    /// Inverse class frequency of the training split: class c weighs n / (k * count_c), so every class counts as much
    /// in total as it would in a balanced dataset.
    /// </summary>
    Balanced = 1,
}
