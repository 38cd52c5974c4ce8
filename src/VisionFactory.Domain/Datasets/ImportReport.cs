namespace VisionFactory.Domain.Datasets;

/// <summary>The outcome of an import: what came in, what was skipped and why, what was stored once.</summary>
public sealed record ImportReport
{
    public int FilesSeen { get; init; }

    public int Imported { get; init; }

    public List<SkippedFile> Skipped { get; init; } = [];

    /// <summary>Groups of byte-identical files; each group is stored once and kept as one image.</summary>
    public List<DuplicateGroup> Duplicates { get; init; } = [];

    /// <summary>How near-duplicates were kept together by the split; null for versions split before grouping existed.</summary>
    public SplitGrouping? Grouping { get; init; }

    /// <summary>
    /// What the version lacks, each with what to do about it (an empty validation or test split, a class with too few
    /// images to hold one back); empty when nothing is amiss.
    /// </summary>
    public List<string> Warnings { get; init; } = [];
}

/// <summary>A file the import left out, with a reason a person can act on.</summary>
public sealed record SkippedFile(string Path, string Reason);

/// <summary>Byte-identical files: the first path is kept, the others were dropped.</summary>
public sealed record DuplicateGroup(string Sha256, List<string> Paths, bool CrossesClasses);
