namespace VisionFactory.Domain.Models;

/// <summary>
/// How the model does when its test images are changed in ways that keep their class (colours rotated, greyscale,
/// lighting, blur, JPEG, a small crop, a hidden patch): a model that learned the object keeps its recall, a model
/// that learned a shortcut (a colour, a corner, a texture) loses it. Every change sees the same class-balanced,
/// seeded sample of the split, and is compared with the model's unchanged predictions on those very images.
/// </summary>
public sealed record StressTestReport
{
    /// <summary>Images per class every change sees at first; a class whose recall drops gets up to four times as many.</summary>
    public required int ImagesPerClass { get; init; }

    /// <summary>The seed of the sample and of every image's random change, so the test repeats exactly.</summary>
    public required int Seed { get; init; }

    public required List<StressTestChange> Changes { get; init; }

    /// <summary>Every change's warnings, in the order of <see cref="Changes"/>: sentences a person can act on.</summary>
    public required List<string> Warnings { get; init; }

    /// <summary>Images pushed through the network for the whole test (the cost beyond the plain evaluation).</summary>
    public int Forwards { get; init; }

    /// <summary>Wall-clock seconds the stress test took.</summary>
    public double Seconds { get; init; }
}

/// <summary>The model under one label-preserving change.</summary>
/// <param name="Name">Short name, e.g. hue_rotation.</param>
/// <param name="Description">What was done to every image.</param>
/// <param name="Images">Images of the sample the change was applied to.</param>
/// <param name="Accuracy">Mean recall over the classes under the change (the sample is balanced, so this is its accuracy).</param>
/// <param name="BaselineAccuracy">The same figure on the same images unchanged.</param>
/// <param name="Recall">Per class, the share of its sampled images still classified right under the change.</param>
/// <param name="BaselineRecall">Per class, the share right on the same images unchanged.</param>
/// <param name="Warnings">Classes whose recall falls sharply under a change that should not matter.</param>
public sealed record StressTestChange(
    string Name,
    string Description,
    int Images,
    double Accuracy,
    double BaselineAccuracy,
    Dictionary<string, double> Recall,
    Dictionary<string, double> BaselineRecall,
    List<string> Warnings);
