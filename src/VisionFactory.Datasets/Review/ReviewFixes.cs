using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Editing;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Review;

namespace VisionFactory.Datasets.Review;

/// <summary>The one-click fixes a review offers.</summary>
public enum ReviewFix
{
    /// <summary>Leave out images whose byte-identical copies were filed under another class (their label is a coin toss).</summary>
    DropExactDuplicates,

    /// <summary>
    /// Keep one image (the largest) of each class in each near-duplicate group: the same scene in two classes is paired
    /// data, and a class's only image of a group is never deleted.
    /// </summary>
    KeepOnePerGroup,

    /// <summary>Give suspected images the label the review suggests.</summary>
    Relabel,

    /// <summary>Leave the chosen images out.</summary>
    Exclude,

    /// <summary>Move images so that no near-duplicate group straddles two splits (the fewest moves the groups allow).</summary>
    RegroupSplit,
}

/// <summary>
/// Applies a review's fixes to the newest version of a dataset. Every fix makes a new version through the
/// <see cref="DatasetEditor"/> (images keep their split), so runs on earlier versions stay reproducible.
/// </summary>
public sealed class ReviewFixes(DatasetReviewer reviewer, DatasetEditor editor, DatasetCatalog catalog)
{
    /// <summary>Applies <paramref name="fix"/>; <paramref name="images"/> (sha256s) or <paramref name="groups"/> (group ids) narrow it.</summary>
    public async Task<DatasetVersion> ApplyAsync(
        string datasetName, ReviewFix fix, IReadOnlyCollection<string>? images, IReadOnlyCollection<int>? groups, CancellationToken cancellationToken)
    {
        var newest = await catalog.GetVersionAsync(datasetName, null, withItems: false, cancellationToken).ConfigureAwait(false);
        var report = await reviewer.LatestAsync(datasetName, newest.Number, cancellationToken).ConfigureAwait(false)
            ?? throw ProblemException.Conflict(
                $"version {newest.Number} of '{datasetName}' has not been reviewed: review it first (vf dataset review {datasetName}), then fix");
        var chosen = images is { Count: > 0 } ? images.Select(i => i.Trim().ToLowerInvariant()).ToHashSet(StringComparer.Ordinal) : null;

        switch (fix)
        {
            case ReviewFix.DropExactDuplicates:
            {
                var conflicting = report.ExactDuplicates.Where(d => d.CrossesClasses).Select(d => d.Sha256).ToList();
                if (conflicting.Count == 0)
                {
                    throw ProblemException.Invalid(
                        $"nothing to drop: the {report.ExactDuplicates.Count} group(s) of identical files were stored once at import, and none was filed under two classes");
                }

                return await editor.DeleteImagesAsync(datasetName, conflicting, cancellationToken).ConfigureAwait(false);
            }

            case ReviewFix.KeepOnePerGroup:
            {
                var selected = groups is { Count: > 0 } ? report.NearDuplicates.Where(g => groups.Contains(g.Id)).ToList() : report.NearDuplicates;
                if (groups is { Count: > 0 } && selected.Count < groups.Count)
                {
                    var unknown = groups.Where(id => report.NearDuplicates.All(g => g.Id != id)).ToList();
                    throw ProblemException.NotFound($"the review has no near-duplicate group {string.Join(", ", unknown)}; it has groups 1 to {report.NearDuplicates.Count}");
                }

                var drop = selected.SelectMany(g => g.Redundant()).Select(i => i.Sha256).Distinct(StringComparer.Ordinal).ToList();
                if (drop.Count == 0 && selected.Any(g => g.CrossesClasses))
                {
                    var paired = selected.Where(g => g.CrossesClasses).Select(g => "#" + g.Id).ToList();
                    throw ProblemException.Invalid(
                        $"nothing to drop: group{(paired.Count == 1 ? "" : "s")} {string.Join(", ", paired)} show{(paired.Count == 1 ? "s" : "")} the same scene in different classes, " +
                        "which is expected for paired data, and deleting one side would delete real data: keep them in one split instead (regroup-split)");
                }

                return drop.Count == 0
                    ? throw ProblemException.Invalid("nothing to drop: the review found no near-duplicate groups")
                    : await editor.DeleteImagesAsync(datasetName, drop, cancellationToken).ConfigureAwait(false);
            }

            case ReviewFix.Relabel:
            {
                var suspected = report.SuspectedLabels.Where(s => chosen is null || chosen.Contains(s.Image.Sha256)).ToList();
                if (chosen is not null && suspected.Count < chosen.Count)
                {
                    var missing = chosen.Where(c => report.SuspectedLabels.All(s => s.Image.Sha256 != c)).First();
                    throw ProblemException.Invalid($"image {missing[..Math.Min(12, missing.Length)]}… is not among the suspected labels, so the review suggests no label for it; relabel it by hand instead");
                }

                return suspected.Count == 0
                    ? throw ProblemException.Invalid("nothing to relabel: the review suspects no labels")
                    : await editor.RelabelEachAsync(datasetName, suspected.ToDictionary(s => s.Image.Sha256, s => s.Suggested, StringComparer.Ordinal), cancellationToken)
                        .ConfigureAwait(false);
            }

            case ReviewFix.RegroupSplit:
            {
                var version = await catalog.GetVersionAsync(datasetName, newest.Number, withItems: true, cancellationToken).ConfigureAwait(false);
                var groupOf = report.NearDuplicates.SelectMany(g => g.Images.Select(i => (i.Sha256, Group: "g" + g.Id)))
                    .ToDictionary(x => x.Sha256, x => x.Group, StringComparer.Ordinal);
                var current = version.Items.ToDictionary(i => i.Sha256, i => i.Split, StringComparer.Ordinal);
                var regrouped = GroupedStratifiedSplitter.Regroup(
                    version.Items.Select(i => (i.Sha256, i.ClassIndex, groupOf.GetValueOrDefault(i.Sha256, i.Sha256))), current, version.Split.Seed);
                var moves = regrouped.Where(r => current[r.Key] != r.Value).ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
                return moves.Count == 0
                    ? throw ProblemException.Invalid("nothing to move: no near-duplicate group of the review straddles two splits")
                    : await editor.MoveSplitsAsync(datasetName, moves, "near-duplicates kept in one split", cancellationToken).ConfigureAwait(false);
            }

            case ReviewFix.Exclude:
                return chosen is null
                    ? throw ProblemException.Invalid("choose the images to exclude (their sha256)")
                    : await editor.DeleteImagesAsync(datasetName, chosen, cancellationToken).ConfigureAwait(false);

            default:
                throw ProblemException.Invalid($"unknown fix {fix}");
        }
    }

    /// <summary>Parses a fix's name as users type it: drop-exact-duplicates, keep-one-per-group, relabel, exclude, regroup-split.</summary>
    public static ReviewFix Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "drop-exact-duplicates" => ReviewFix.DropExactDuplicates,
        "keep-one-per-group" => ReviewFix.KeepOnePerGroup,
        "relabel" => ReviewFix.Relabel,
        "exclude" => ReviewFix.Exclude,
        "regroup-split" => ReviewFix.RegroupSplit,
        _ => throw ProblemException.Invalid($"'{name}' is not a fix; use drop-exact-duplicates, keep-one-per-group, relabel, exclude or regroup-split"),
    };

    /// <summary>The fix's name as users type it.</summary>
    public static string NameOf(ReviewFix fix) => fix switch
    {
        ReviewFix.DropExactDuplicates => "drop-exact-duplicates",
        ReviewFix.KeepOnePerGroup => "keep-one-per-group",
        ReviewFix.Relabel => "relabel",
        ReviewFix.RegroupSplit => "regroup-split",
        _ => "exclude",
    };
}
