using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Users;

namespace VisionFactory.Datasets.Editing;

/// <summary>One change of a bulk labelling: give an image a class, or leave it out of the next version.</summary>
/// <param name="Image">The image's sha256, or the path it was imported from (as listed by the dataset's images).</param>
/// <param name="Class">The class to give it (an existing one or a new one); ignored when <paramref name="Exclude"/>.</param>
/// <param name="Exclude">Leave the image out of the new version (its file stays for the older versions).</param>
public sealed record LabelChange(string Image, string? Class, bool Exclude = false);

/// <summary>What a bulk labelling did, in the new version.</summary>
/// <param name="Version">The new version.</param>
/// <param name="Previous">The version it was derived from (the one to go back to, to undo it).</param>
/// <param name="Labelled">Images of the pool that got a class (and a split).</param>
/// <param name="Relabelled">Labelled images that got another class.</param>
/// <param name="Excluded">Images left out.</param>
/// <param name="Unchanged">Images named that already had the class asked for.</param>
/// <param name="Summary">The change in words, also kept as the new version's source.</param>
public sealed record LabelResult(DatasetVersion Version, int Previous, int Labelled, int Relabelled, int Excluded, int Unchanged, string Summary);

public sealed partial class DatasetEditor
{
    /// <summary>
    /// Applies many label changes at once in one new version derived from the newest: images of the pool get their class
    /// and a split (stratified, seeded with the dataset's split seed), labelled images get another class and keep their
    /// split, excluded images are left out. New class names are appended. Undo is <see cref="RestoreAsync"/> with
    /// <see cref="LabelResult.Previous"/>.
    /// </summary>
    public async Task<LabelResult> LabelAsync(string datasetName, IReadOnlyList<LabelChange> changes, CancellationToken cancellationToken)
    {
        caller.Require(Role.Editor, "label images");
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            throw ProblemException.Invalid("no images were named: give at least one image and its class");
        }

        if (changes.Count > MaxImagesPerChange)
        {
            throw ProblemException.Invalid($"{changes.Count} images were named; one change may name at most {MaxImagesPerChange}");
        }

        foreach (var change in changes.Where(c => !c.Exclude))
        {
            if (ValidateClassName(change.Class) is { } classProblem)
            {
                throw ProblemException.Invalid($"image '{change.Image}': {classProblem}");
            }
        }

        var previous = await db.DatasetVersions.AsNoTracking()
            .Where(v => v.Dataset!.Name == datasetName)
            .OrderByDescending(v => v.Number)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false)
            ?? throw ProblemException.NotFound($"dataset '{datasetName}' does not exist");
        var images = await ResolveAsync(previous, datasetName, changes, cancellationToken).ConfigureAwait(false);

        var classes = new List<string>(previous.Classes);
        var wanted = new Dictionary<string, (int Target, bool Exclude)>(StringComparer.Ordinal);
        foreach (var (change, image) in changes.Zip(images))
        {
            var target = ImageItem.NoClass;
            if (!change.Exclude)
            {
                target = classes.IndexOf(change.Class!);
                if (target < 0)
                {
                    classes.Add(change.Class!);
                    target = classes.Count - 1;
                }
            }

            if (wanted.TryGetValue(image.Sha256, out var earlier) && earlier != (target, change.Exclude))
            {
                throw ProblemException.Invalid($"image '{change.Image}' is named twice with different changes; name each image once");
            }

            wanted[image.Sha256] = (target, change.Exclude);
        }

        var byHash = images.DistinctBy(i => i.Sha256).ToDictionary(i => i.Sha256, StringComparer.Ordinal);
        var excluded = wanted.Where(w => w.Value.Exclude).Select(w => byHash[w.Key]).ToList();
        var fromPool = wanted.Where(w => !w.Value.Exclude && byHash[w.Key].Split == Split.Pool).Select(w => (Image: byHash[w.Key], w.Value.Target)).ToList();
        var relabelled = wanted.Where(w => !w.Value.Exclude && byHash[w.Key].Split != Split.Pool && byHash[w.Key].ClassIndex != w.Value.Target)
            .Select(w => (Image: byHash[w.Key], w.Value.Target)).ToList();
        var unchanged = wanted.Count - excluded.Count - fromPool.Count - relabelled.Count;
        if (excluded.Count + fromPool.Count + relabelled.Count == 0)
        {
            throw ProblemException.Invalid("nothing to change: the named images already have those classes");
        }

        // Classes that have images now must keep at least one; new classes are born with theirs.
        var before = await CountsAsync(previous, previous.Classes.Count, cancellationToken).ConfigureAwait(false);
        var after = new int[classes.Count];
        before.CopyTo(after, 0);
        foreach (var image in excluded.Where(e => e.ClassIndex >= 0))
        {
            after[image.ClassIndex]--;
        }

        foreach (var (image, target) in relabelled)
        {
            after[image.ClassIndex]--;
            after[target]++;
        }

        foreach (var (_, target) in fromPool)
        {
            after[target]++;
        }

        var emptied = classes.Where((_, i) => i < before.Length && before[i] > 0 && after[i] == 0).ToList();
        if (emptied.Count > 0)
        {
            throw ProblemException.Invalid(
                $"this change would leave class{(emptied.Count > 1 ? "es" : "")} {string.Join(", ", emptied.Select(e => $"'{e}'"))} without images: " +
                "every class needs at least one image; change fewer images");
        }

        // Images leaving the pool are split like an import's: stratified by their new class, seeded.
        var splits = StratifiedSplitter.Assign(fromPool.Select(p => (p.Image.Sha256, p.Target)), previous.Split);
        var summary = Summarize(previous.Number, classes, fromPool.Count, relabelled, excluded.Count, fromPool.Select(p => p.Target));
        var version = await DeriveAsync(previous, classes, summary, async version =>
        {
            if (excluded.Count > 0)
            {
                var gone = excluded.Select(e => e.Sha256).ToList();
                await db.Images.Where(i => i.DatasetVersionId == version.Id && gone.Contains(i.Sha256))
                    .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            }

            // One statement per (class, split): a bulk relabel of 10 000 images into one class is one UPDATE.
            foreach (var group in relabelled.GroupBy(r => r.Target))
            {
                var hashes = group.Select(r => r.Image.Sha256).ToList();
                await db.Images.Where(i => i.DatasetVersionId == version.Id && hashes.Contains(i.Sha256))
                    .ExecuteUpdateAsync(u => u.SetProperty(i => i.ClassIndex, group.Key), cancellationToken).ConfigureAwait(false);
            }

            foreach (var group in fromPool.GroupBy(p => (p.Target, Split: splits[p.Image.Sha256])))
            {
                var hashes = group.Select(p => p.Image.Sha256).ToList();
                var (target, split) = group.Key;
                await db.Images.Where(i => i.DatasetVersionId == version.Id && hashes.Contains(i.Sha256))
                    .ExecuteUpdateAsync(u => u.SetProperty(i => i.ClassIndex, target).SetProperty(i => i.Split, split), cancellationToken)
                    .ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        return new LabelResult(version, previous.Number, fromPool.Count, relabelled.Count, excluded.Count, unchanged, summary);
    }

    /// <summary>
    /// Goes back to an earlier version: a new version with exactly its images, labels, splits and classes (versions are
    /// immutable, so the versions in between stay, with the runs trained on them). Undoing the last change is restoring
    /// the version before it.
    /// </summary>
    public async Task<DatasetVersion> RestoreAsync(string datasetName, int number, CancellationToken cancellationToken)
    {
        caller.Require(Role.Editor, "restore a version");
        var versions = await db.DatasetVersions.AsNoTracking()
            .Where(v => v.Dataset!.Name == datasetName)
            .OrderByDescending(v => v.Number)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (versions.Count == 0)
        {
            throw ProblemException.NotFound($"dataset '{datasetName}' does not exist");
        }

        var newest = versions[0];
        var target = versions.FirstOrDefault(v => v.Number == number)
            ?? throw ProblemException.NotFound($"dataset '{datasetName}' has no version {number}; its versions are 1 to {newest.Number}");
        if (target.Number == newest.Number)
        {
            throw ProblemException.Invalid($"version {number} is the newest version of '{datasetName}' already: nothing to go back to");
        }

        var source = $"version {target.Number} restored (going back from version {newest.Number})";
        return await DeriveAsync(newest, target.Classes, source, _ => Task.CompletedTask, cancellationToken, copyOf: target).ConfigureAwait(false);
    }

    // Each named image by sha256 or by the path it was imported from, in the order named.
    private async Task<List<ChosenImage>> ResolveAsync(
        DatasetVersion version, string datasetName, IReadOnlyList<LabelChange> changes, CancellationToken cancellationToken)
    {
        var names = changes.Select(c => (c.Image ?? "").Trim()).ToList();
        if (names.FirstOrDefault(n => n.Length == 0) is not null)
        {
            throw ProblemException.Invalid("an image is named by an empty string: name it by its sha256 or the path it was imported from");
        }

        static bool IsSha(string n) => n.Length == 64 && n.All(char.IsAsciiHexDigit);
        var hashes = names.Where(IsSha).Select(n => n.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
        var paths = names.Where(n => !IsSha(n)).Distinct(StringComparer.Ordinal).ToList();
        var byHash = new Dictionary<string, ChosenImage>(StringComparer.Ordinal);
        var byPath = new Dictionary<string, List<ChosenImage>>(StringComparer.Ordinal);
        if (hashes.Count > 0)
        {
            var rows = await db.Images.AsNoTracking()
                .Where(i => i.DatasetVersionId == version.Id && hashes.Contains(i.Sha256))
                .Select(i => new ChosenImage(i.Sha256, i.ClassIndex, i.Split))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                byHash[row.Sha256] = row;
            }
        }

        if (paths.Count > 0)
        {
            var rows = await db.Images.AsNoTracking()
                .Where(i => i.DatasetVersionId == version.Id && paths.Contains(i.SourcePath))
                .Select(i => new { i.SourcePath, Image = new ChosenImage(i.Sha256, i.ClassIndex, i.Split) })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                (byPath.TryGetValue(row.SourcePath, out var list) ? list : byPath[row.SourcePath] = []).Add(row.Image);
            }
        }

        var resolved = new List<ChosenImage>(names.Count);
        var missing = new List<string>();
        foreach (var name in names)
        {
            if (IsSha(name) && byHash.TryGetValue(name.ToLowerInvariant(), out var image))
            {
                resolved.Add(image);
            }
            else if (!IsSha(name) && byPath.TryGetValue(name, out var found))
            {
                resolved.Add(found.Count == 1
                    ? found[0]
                    : throw ProblemException.Invalid($"{found.Count} images of version {version.Number} were imported from '{name}': name the one you mean by its sha256"));
            }
            else
            {
                missing.Add(name);
            }
        }

        if (missing.Count > 0)
        {
            throw ProblemException.NotFound(
                $"{missing.Count} of the named images {(missing.Count == 1 ? "is" : "are")} not in version {version.Number} of '{datasetName}' " +
                $"(e.g. '{missing[0]}'); name images by their sha256 or the path they were imported from");
        }

        return resolved;
    }

    private static string Summarize(
        int previous, List<string> classes, int labelled, List<(ChosenImage Image, int Target)> relabelled, int excluded, IEnumerable<int> poolTargets)
    {
        var parts = new List<string>();
        if (labelled > 0)
        {
            var perClass = poolTargets.GroupBy(t => t).OrderBy(g => g.Key).Select(g => $"{g.Count()} '{classes[g.Key]}'");
            parts.Add($"{labelled} image{Plural(labelled)} of the pool labelled ({string.Join(", ", perClass)})");
        }

        if (relabelled.Count > 0)
        {
            var moves = relabelled.GroupBy(r => (r.Image.ClassIndex, r.Target)).OrderByDescending(g => g.Count())
                .Take(5).Select(g => $"{g.Count()} '{classes[g.Key.ClassIndex]}' -> '{classes[g.Key.Target]}'").ToList();
            var more = relabelled.GroupBy(r => (r.Image.ClassIndex, r.Target)).Count() - moves.Count;
            parts.Add($"{relabelled.Count} image{Plural(relabelled.Count)} relabelled ({string.Join(", ", moves)}{(more > 0 ? $", and {more} more moves" : "")})");
        }

        if (excluded > 0)
        {
            parts.Add($"{excluded} image{Plural(excluded)} excluded");
        }

        return $"version {previous} with {string.Join("; ", parts)}";
    }
}
