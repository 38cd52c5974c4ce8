using System.Globalization;

namespace VisionFactory.Datasets.Catalog;

/// <summary>
/// Whether a version's split holds images back to check a model on. The stratified split sets aside a validation and a
/// test image of a class only from <see cref="MinimumPerClass"/> images of it on, so a tiny dataset can end up with
/// empty validation and test splits. The import warns about it; training refuses a version without them, because a
/// run's validation curves and a model's test evaluation have nothing to be computed on.
/// </summary>
public static class SplitCoverage
{
    /// <summary>The images a class needs for the split to hold one back for validation and one for test.</summary>
    public const int MinimumPerClass = 3;

    /// <summary>What an import report says about the split of <paramref name="classes"/>; empty when nothing is amiss.</summary>
    public static List<string> Warnings(IReadOnlyList<ClassCount> classes, Domain.Datasets.SplitPlan plan)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(plan);
        var warnings = new List<string>();
        var empty = EmptySplits(classes, plan);
        if (empty.Count > 0)
        {
            warnings.Add(
                $"the {Join(empty)} split{(empty.Count > 1 ? "s are" : " is")} empty: no image could be held back to check a model on, " +
                $"so training is refused until there are some; add images so that each class has at least {MinimumPerClass} " +
                "(20 or more make a useful model) and import again");
        }

        var small = classes.Where(c => c.Images < MinimumPerClass).ToList();
        if (small.Count > 0)
        {
            var described = string.Join(", ", small.Select(c => $"'{c.Name}' has {Images(c.Images)}"));
            warnings.Add(
                $"too few images for a validation and a test image: {described}; a class needs at least {MinimumPerClass} " +
                $"for the split to hold one back, so a model is never checked on {(small.Count > 1 ? "these classes" : "it")}: add images to " +
                (small.Count > 1 ? "them" : "it"));
        }

        return warnings;
    }

    /// <summary>
    /// Why a version cannot be trained on for want of test images, or of the validation images its split plan asked
    /// for, or null when it can.
    /// </summary>
    public static string? TrainingProblem(string dataset, int version, IReadOnlyList<ClassCount> classes, Domain.Datasets.SplitPlan plan)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(plan);
        // A split planned without validation trains without it (the trainer allows that); a planned one left empty, or an
        // empty test split, leaves a run or its model with nothing to be checked on.
        var empty = new List<string>();
        if (plan.Validation > 0 && classes.Sum(c => c.Validation) == 0)
        {
            empty.Add("validation");
        }

        if (classes.Sum(c => c.Test) == 0)
        {
            empty.Add("test");
        }

        if (empty.Count == 0)
        {
            return null;
        }

        var counts = string.Join(", ", classes.Select(c => $"'{c.Name}' {c.Images.ToString(CultureInfo.InvariantCulture)}"));
        return $"{dataset} version {version.ToString(CultureInfo.InvariantCulture)} has no {string.Join(" and no ", empty)} images " +
               $"(images per class: {counts}), so a model could not be checked: add images so that each class has at least " +
               $"{MinimumPerClass} (20 or more make a useful model), import them as a new version and train again";
    }

    private static List<string> EmptySplits(IReadOnlyList<ClassCount> classes, Domain.Datasets.SplitPlan plan)
    {
        var empty = new List<string>();
        if (plan.Validation > 0 && classes.Sum(c => c.Validation) == 0)
        {
            empty.Add("validation");
        }

        if (plan.Test > 0 && classes.Sum(c => c.Test) == 0)
        {
            empty.Add("test");
        }

        return empty;
    }

    private static string Join(List<string> names) => string.Join(" and ", names);

    private static string Images(int n) => n.ToString(CultureInfo.InvariantCulture) + (n == 1 ? " image" : " images");
}
