using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Models;

namespace VisionFactory.Domain.Review;

/// <summary>
/// The review of one dataset version: what is wrong with its images, labels and split, each finding with the evidence
/// and the threshold behind it, and a health summary on top.
/// </summary>
public sealed record ReviewReport
{
    public required string Dataset { get; init; }

    public int Version { get; init; }

    public int Images { get; init; }

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>How long the review took, in seconds.</summary>
    public double Seconds { get; init; }

    public required HealthSummary Health { get; init; }

    public required ReviewSettings Settings { get; init; }

    /// <summary>Files the import of this dataset left out (not images, damaged, truncated, too small or too large).</summary>
    public List<SkippedFile> Unreadable { get; init; } = [];

    /// <summary>Images far outside the version's typical size or aspect ratio.</summary>
    public List<ImageFinding> SizeOutliers { get; init; } = [];

    /// <summary>Very dark, over-exposed or blurry images, with the measure and its threshold.</summary>
    public List<ImageFinding> Quality { get; init; } = [];

    /// <summary>Byte-identical files found at import (stored once; the first path kept).</summary>
    public List<DuplicateGroup> ExactDuplicates { get; init; } = [];

    /// <summary>Groups of images that show the same picture (perceptual hash or backbone embedding).</summary>
    public List<NearDuplicateGroup> NearDuplicates { get; init; } = [];

    public required LeakageReport Leakage { get; init; }

    public required ClassBalance Balance { get; init; }

    /// <summary>Images whose label the cross-validated model disagrees with confidently, most suspicious first.</summary>
    public List<SuspectedLabel> SuspectedLabels { get; init; } = [];

    /// <summary>How the label check's model did; null when it was skipped.</summary>
    public LabelCheckSummary? LabelCheck { get; init; }

    /// <summary>How this version's split treated near-duplicates.</summary>
    public SplitGrouping? SplitGrouping { get; init; }
}

/// <summary>The thresholds the review used, shown beside its findings.</summary>
public sealed record ReviewSettings
{
    /// <summary>Images whose 64-bit perceptual hashes differ in at most this many bits are near-duplicates.</summary>
    public int HashRadius { get; init; } = 8;

    /// <summary>
    /// Images whose 256-bit difference hashes differ in at most this many bits are near-duplicates too: the same photo
    /// with one thing pasted on (a drawn mask) that the perceptual hash sees as a different picture.
    /// </summary>
    public int DifferenceHashRadius { get; init; } = 10;

    /// <summary>Images whose backbone embeddings have at least this cosine similarity are near-duplicates.</summary>
    public double CosineThreshold { get; init; } = 0.95;

    /// <summary>Mean luminance (0-255) below which an image is very dark.</summary>
    public double DarkLuminance { get; init; } = 40;

    /// <summary>Mean luminance (0-255) above which an image is over-exposed.</summary>
    public double BrightLuminance { get; init; } = 215;

    /// <summary>Share of pixels clipped to white above which an image is over-exposed.</summary>
    public double BrightClippedShare { get; init; } = 0.5;

    /// <summary>Share of pixels clipped to black above which an image is very dark.</summary>
    public double DarkClippedShare { get; init; } = 0.6;

    /// <summary>
    /// An image is blurry when its Laplacian variance is below this fraction of the dataset's median (and below
    /// <see cref="BlurAbsolute"/>): sharpness depends on the subject, so it is judged against the dataset.
    /// </summary>
    public double BlurRelative { get; init; } = 0.1;

    /// <summary>Laplacian variance below which an image counts as blurry regardless of the dataset.</summary>
    public double BlurAbsolute { get; init; } = 15;

    /// <summary>An image's pixel count or aspect ratio further than this factor from the median makes it an outlier.</summary>
    public double SizeFactor { get; init; } = 8;

    /// <summary>An aspect ratio further than this factor from the median makes it an outlier.</summary>
    public double AspectFactor { get; init; } = 2.5;

    /// <summary>Folds of the cross-validation behind the label check.</summary>
    public int Folds { get; init; } = 5;

    /// <summary>The side of the square pixels quality and hashes are measured on.</summary>
    public int MeasureSide { get; init; } = 224;

    /// <summary>Whether backbone embeddings (near-duplicates the hash misses, the label check) were computed.</summary>
    public bool Embeddings { get; init; } = true;
}

/// <summary>One image of a finding.</summary>
/// <param name="Sha256">The image's sha256 (its id in the dataset API).</param>
/// <param name="Path">The path it was imported from.</param>
/// <param name="Class">Its label.</param>
/// <param name="Split">train, validation or test.</param>
public sealed record ReviewImage(string Sha256, string Path, string Class, Split Split);

/// <summary>An image flagged by a measure, with the measure's value and the threshold it crossed.</summary>
/// <param name="Image">The image.</param>
/// <param name="Kind">dark, overexposed, blurry, small, large, aspect.</param>
/// <param name="Measure">What was measured, e.g. "mean luminance".</param>
/// <param name="Value">Its value for this image.</param>
/// <param name="Threshold">The threshold, in the same unit.</param>
/// <param name="Detail">The finding in words.</param>
public sealed record ImageFinding(ReviewImage Image, string Kind, string Measure, double Value, double Threshold, string Detail);

/// <summary>Images that show the same picture.</summary>
/// <param name="Id">The group's number in this report.</param>
/// <param name="Images">Its images, the one a fix keeps first.</param>
/// <param name="CrossesClasses">Its images carry more than one label.</param>
/// <param name="CrossesSplits">Its images sit in more than one split (leakage).</param>
/// <param name="Evidence">hash, embedding, or both.</param>
/// <param name="MaxHashDistance">The largest hash distance between two linked images of the group.</param>
/// <param name="MinCosine">The smallest cosine similarity between two linked images (null without embeddings).</param>
public sealed record NearDuplicateGroup(
    int Id, List<ReviewImage> Images, bool CrossesClasses, bool CrossesSplits, string Evidence, int MaxHashDistance, double? MinCosine)
{
    /// <summary>
    /// The images "keep one per group" leaves out: all but the first of each class. The same scene in two classes
    /// (a face with and without a mask) is paired data, so a class's only image of the group always stays.
    /// </summary>
    public IEnumerable<ReviewImage> Redundant() =>
        Images.GroupBy(i => i.Class, StringComparer.Ordinal).SelectMany(g => g.Skip(1));
}

/// <summary>Near-duplicates on both sides of a split boundary: the model is tested on what it trained on.</summary>
/// <param name="Pairs">Pairs of near-duplicate images in different splits.</param>
/// <param name="Groups">Near-duplicate groups that span more than one split.</param>
/// <param name="ImagesInEvaluation">Validation and test images with a near-duplicate in another split.</param>
/// <param name="Examples">Up to 200 of the pairs.</param>
public sealed record LeakageReport(int Pairs, int Groups, int ImagesInEvaluation, List<LeakagePair> Examples);

/// <summary>Two near-duplicates in different splits.</summary>
public sealed record LeakagePair(ReviewImage A, ReviewImage B, int HashDistance, double? Cosine);

/// <summary>Images per class, and what to do when they are far from even.</summary>
/// <param name="Classes">Each class with its count and share.</param>
/// <param name="Ratio">Largest class over smallest class.</param>
/// <param name="Imbalanced">Ratio of 1.5 or more.</param>
/// <param name="Advice">What to do, in words.</param>
/// <param name="SuggestedWeighting">The training option to use.</param>
public sealed record ClassBalance(List<ClassShare> Classes, double Ratio, bool Imbalanced, string Advice, ClassWeighting SuggestedWeighting);

/// <summary>One class's count and share of the images.</summary>
public sealed record ClassShare(string Class, int Images, double Share);

/// <summary>An image whose label looks wrong, with the label the model suggests.</summary>
/// <param name="Image">The image.</param>
/// <param name="Suggested">The class the cross-validated model puts it in.</param>
/// <param name="GivenProbability">Out-of-sample probability of its label.</param>
/// <param name="SuggestedProbability">Out-of-sample probability of the suggested class.</param>
/// <param name="Margin">SuggestedProbability minus GivenProbability: the ranking key.</param>
/// <param name="Confident">In the confident joint (the suggested class reached its threshold); false for the weaker
/// suspects the model merely puts in another class, listed after the confident ones.</param>
public sealed record SuspectedLabel(ReviewImage Image, string Suggested, double GivenProbability, double SuggestedProbability, double Margin, bool Confident);

/// <summary>How the label check was made and how good its model was.</summary>
/// <param name="Folds">Cross-validation folds (near-duplicates stay in one fold).</param>
/// <param name="Accuracy">Out-of-sample accuracy of the fold models.</param>
/// <param name="Thresholds">Per class, the mean probability of the class among images labelled so (its self-confidence threshold).</param>
/// <param name="ConfidentJoint">Counts: rows are given labels, columns the confidently predicted class.</param>
/// <param name="Model">The model: the backbone and the head.</param>
public sealed record LabelCheckSummary(int Folds, double Accuracy, List<double> Thresholds, List<List<int>> ConfidentJoint, string Model);

/// <summary>Counts per finding and the share of images concerned.</summary>
/// <param name="Findings">Each kind of finding with its count.</param>
/// <param name="ImagesAffected">Images named by at least one finding (a near-duplicate group counts all but one image).</param>
/// <param name="ShareAffected">ImagesAffected over the version's images.</param>
/// <param name="Score">100 minus the share affected in percent, 0 to 100.</param>
public sealed record HealthSummary(List<FindingCount> Findings, int ImagesAffected, double ShareAffected, int Score);

/// <summary>One kind of finding and how many there are.</summary>
/// <param name="Kind">unreadable, size-outliers, quality, exact-duplicates, near-duplicates, leakage, suspected-labels, imbalance.</param>
/// <param name="Count">How many findings (groups, pairs or images, as the title says).</param>
/// <param name="Severity">high, medium or low.</param>
/// <param name="Title">The count in words.</param>
public sealed record FindingCount(string Kind, int Count, string Severity, string Title);
