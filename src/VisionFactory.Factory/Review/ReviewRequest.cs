using VisionFactory.Datasets.Review;
using VisionFactory.Domain.Review;

namespace VisionFactory.Factory.Review;

/// <summary>
/// A review to run: the one request of every door. <c>POST /api/datasets/{name}/review</c> binds it from JSON (and
/// <c>?version=N</c>), <c>vf dataset review</c> builds it from its options and the Review page from its buttons;
/// <see cref="ReviewService"/> runs it. A new review option is a property here and its use in <see cref="Options"/>.
/// </summary>
/// <param name="Version">The version to review; the newest when omitted.</param>
/// <param name="HashesOnly">Skip the pretrained backbone: no embedding near-duplicates and no label check.</param>
public sealed record ReviewRequest(int? Version = null, bool? HashesOnly = null)
{
    /// <summary>What the reviewer measures.</summary>
    public ReviewOptions Options()
    {
        var full = HashesOnly != true;
        return new ReviewOptions(Embeddings: full, Labels: full);
    }
}

/// <summary>A fix from the newest version's review, applied as a new version.</summary>
/// <param name="Fix">drop-exact-duplicates, keep-one-per-group, relabel, exclude or regroup-split.</param>
/// <param name="Images">Images (sha256) to relabel or exclude.</param>
/// <param name="Groups">Near-duplicate group numbers to thin out.</param>
public sealed record ReviewFixRequest(string? Fix, IReadOnlyList<string>? Images = null, IReadOnlyList<int>? Groups = null)
{
    /// <summary>The request for <paramref name="fix"/>, as a page's button asks for it.</summary>
    public static ReviewFixRequest For(ReviewFix fix, IReadOnlyList<string>? images = null, IReadOnlyList<int>? groups = null) =>
        new(ReviewFixes.NameOf(fix), images, groups);
}

/// <summary>A review's state and, when there is one, its report.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Version">The version reviewed.</param>
/// <param name="State">running, succeeded or failed.</param>
/// <param name="Progress">The running review's phase and progress.</param>
/// <param name="Error">Why the last review failed.</param>
/// <param name="Report">The newest finished report of this version (while a new one runs: the previous one, if any).</param>
public sealed record ReviewStatusResponse(string Dataset, int Version, string State, ReviewProgress? Progress, string? Error, ReviewReport? Report)
{
    public static ReviewStatusResponse From(ReviewJobStatus job, ReviewReport? report)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new(job.Dataset, job.Version, job.State, job.Progress, job.Error, report);
    }
}
