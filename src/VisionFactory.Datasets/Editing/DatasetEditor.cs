using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using VisionFactory.Domain;
using VisionFactory.Domain.Audit;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Runs;
using VisionFactory.Domain.Users;
using VisionFactory.Storage.Audit;
using VisionFactory.Storage.Database;

namespace VisionFactory.Datasets.Editing;

/// <summary>
/// Changes to a dataset's labels and membership. Versions are immutable, so a relabel or a delete makes a new version
/// derived from the newest one: every image keeps its split (relabelled ones too, so a test image never becomes a
/// training image by being relabelled), and the rows are copied by one INSERT ... SELECT in the database, so a change
/// to a dataset of 100 000 images costs a handful of statements, not one per image.
/// Every change needs the editor role, checked here against the <see cref="Caller"/>.
/// </summary>
public sealed partial class DatasetEditor(VisionFactoryDb db, Caller caller)
{
    /// <summary>The most images one relabel or delete may name.</summary>
    public const int MaxImagesPerChange = 10_000;

    /// <summary>The longest class name.</summary>
    public const int MaxClassNameLength = 100;

    /// <summary>Gives the named images the class <paramref name="className"/>, an existing class or a new one (appended).</summary>
    public async Task<DatasetVersion> RelabelAsync(
        string datasetName, IReadOnlyCollection<string> images, string className, CancellationToken cancellationToken)
    {
        caller.Require(Role.Editor, "relabel images");
        if (ValidateClassName(className) is { } classProblem)
        {
            throw ProblemException.Invalid(classProblem);
        }

        var (previous, chosen) = await LoadChangeAsync(datasetName, images, cancellationToken).ConfigureAwait(false);
        if (chosen.Any(c => c.Split == Split.Pool))
        {
            // Images of the pool need a split as well as a class: the labelling path gives them both.
            return (await LabelAsync(datasetName, chosen.Select(c => new LabelChange(c.Sha256, className)).ToList(), cancellationToken).ConfigureAwait(false)).Version;
        }

        var classes = new List<string>(previous.Classes);
        var target = classes.IndexOf(className);
        if (target < 0)
        {
            classes.Add(className);
            target = classes.Count - 1;
        }

        var moving = chosen.Where(c => c.ClassIndex != target).ToList();
        if (moving.Count == 0)
        {
            throw ProblemException.Invalid($"nothing to change: the chosen images are already labelled '{className}'");
        }

        var counts = await CountsAsync(previous, classes.Count, cancellationToken).ConfigureAwait(false);
        foreach (var image in moving)
        {
            counts[image.ClassIndex]--;
            counts[target]++;
        }

        CheckClasses(classes, counts, "relabelling");
        var source = $"version {previous.Number} with {moving.Count} image{Plural(moving.Count)} relabelled '{className}'";
        var hashes = moving.Select(m => m.Sha256).ToList();
        return await DeriveAsync(previous, classes, source, async version =>
            await db.Images
                .Where(i => i.DatasetVersionId == version.Id && hashes.Contains(i.Sha256))
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.ClassIndex, target), cancellationToken).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Gives each named image its own class (an existing one) in one new version: the review's suggested labels applied
    /// together. Keys are sha256s, values class names.
    /// </summary>
    public async Task<DatasetVersion> RelabelEachAsync(
        string datasetName, IReadOnlyDictionary<string, string> targets, CancellationToken cancellationToken)
    {
        caller.Require(Role.Editor, "relabel images");
        ArgumentNullException.ThrowIfNull(targets);
        var (previous, chosen) = await LoadChangeAsync(datasetName, targets.Keys.ToList(), cancellationToken).ConfigureAwait(false);
        var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (sha, className) in targets)
        {
            var index = previous.Classes.IndexOf(className);
            indexOf[sha.Trim().ToLowerInvariant()] = index >= 0
                ? index
                : throw ProblemException.Invalid($"'{className}' is not a class of '{datasetName}'; the classes are {string.Join(", ", previous.Classes)}");
        }

        var moving = chosen.Where(c => c.ClassIndex != indexOf[c.Sha256]).ToList();
        if (moving.Count == 0)
        {
            throw ProblemException.Invalid("nothing to change: the chosen images already have those labels");
        }

        var counts = await CountsAsync(previous, previous.Classes.Count, cancellationToken).ConfigureAwait(false);
        foreach (var image in moving)
        {
            if (image.ClassIndex >= 0)
            {
                counts[image.ClassIndex]--;
            }

            counts[indexOf[image.Sha256]]++;
        }

        CheckClasses(previous.Classes, counts, "relabelling");
        var source = $"version {previous.Number} with {moving.Count} image{Plural(moving.Count)} relabelled as the review suggested";
        return await DeriveAsync(previous, previous.Classes, source, async version =>
        {
            foreach (var target in moving.GroupBy(m => indexOf[m.Sha256]))
            {
                var hashes = target.Select(m => m.Sha256).ToList();
                await db.Images
                    .Where(i => i.DatasetVersionId == version.Id && hashes.Contains(i.Sha256))
                    .ExecuteUpdateAsync(s => s.SetProperty(i => i.ClassIndex, target.Key), cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves the named images (keys are sha256s) to other splits in one new version, e.g. to keep near-duplicates in one
    /// split. The version's class counts do not change; earlier versions and their runs keep their split.
    /// </summary>
    public async Task<DatasetVersion> MoveSplitsAsync(
        string datasetName, IReadOnlyDictionary<string, Split> splits, string why, CancellationToken cancellationToken)
    {
        caller.Require(Role.Editor, "move images between splits");
        ArgumentNullException.ThrowIfNull(splits);
        var (previous, chosen) = await LoadChangeAsync(datasetName, splits.Keys.ToList(), cancellationToken).ConfigureAwait(false);
        var target = splits.ToDictionary(s => s.Key.Trim().ToLowerInvariant(), s => s.Value, StringComparer.Ordinal);
        var source = $"version {previous.Number} with {chosen.Count} image{Plural(chosen.Count)} moved to another split ({why})";
        return await DeriveAsync(previous, previous.Classes, source, async version =>
        {
            foreach (var split in chosen.GroupBy(c => target[c.Sha256]))
            {
                var hashes = split.Select(m => m.Sha256).ToList();
                await db.Images
                    .Where(i => i.DatasetVersionId == version.Id && hashes.Contains(i.Sha256))
                    .ExecuteUpdateAsync(s => s.SetProperty(i => i.Split, split.Key), cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Leaves the named images out of a new version; their files stay stored for the older versions.</summary>
    public async Task<DatasetVersion> DeleteImagesAsync(string datasetName, IReadOnlyCollection<string> images, CancellationToken cancellationToken)
    {
        caller.Require(Role.Editor, "delete images");
        var (previous, chosen) = await LoadChangeAsync(datasetName, images, cancellationToken).ConfigureAwait(false);
        var counts = await CountsAsync(previous, previous.Classes.Count, cancellationToken).ConfigureAwait(false);
        foreach (var image in chosen.Where(c => c.ClassIndex >= 0))
        {
            counts[image.ClassIndex]--;
        }

        CheckClasses(previous.Classes, counts, "deleting them");
        var source = $"version {previous.Number} with {chosen.Count} image{Plural(chosen.Count)} deleted";
        var hashes = chosen.Select(m => m.Sha256).ToList();
        return await DeriveAsync(previous, previous.Classes, source, async version =>
            await db.Images
                .Where(i => i.DatasetVersionId == version.Id && hashes.Contains(i.Sha256))
                .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes a dataset with all its versions. Refused while models trained on it exist (deleting it would delete
    /// them) or runs on it are waiting or training. Image files stay in the blob store: other datasets may share them.
    /// </summary>
    public async Task DeleteDatasetAsync(string datasetName, CancellationToken cancellationToken)
    {
        caller.Require(Role.Editor, "delete a dataset");
        var dataset = await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Name == datasetName, cancellationToken).ConfigureAwait(false)
            ?? throw ProblemException.NotFound($"dataset '{datasetName}' does not exist");
        var models = await db.Models.CountAsync(m => m.DatasetVersion!.DatasetId == dataset.Id, cancellationToken).ConfigureAwait(false);
        if (models > 0)
        {
            throw ProblemException.Conflict(
                $"dataset '{datasetName}' has {models} model{Plural(models)} trained on it; delete the model{Plural(models)} first, then the dataset");
        }

        var active = await db.Runs.CountAsync(
            r => r.DatasetName == datasetName && (r.State == RunState.Queued || r.State == RunState.Running || r.State == RunState.Interrupted),
            cancellationToken).ConfigureAwait(false);
        if (active > 0)
        {
            throw ProblemException.Conflict(
                $"dataset '{datasetName}' has {active} run{Plural(active)} waiting or training; cancel {(active == 1 ? "it" : "them")} first");
        }

        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            await db.Images.Where(i => db.DatasetVersions.Any(v => v.Id == i.DatasetVersionId && v.DatasetId == dataset.Id))
                .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            await db.DatasetVersions.Where(v => v.DatasetId == dataset.Id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            await db.Datasets.Where(d => d.Id == dataset.Id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);

            // Recorded here, with the deletion, so a deletion from any door (API, web UI) is in the audit log once.
            db.AuditEntries.Add(AuditLog.Entry(AuditActions.DatasetDeleted, caller.Name, datasetName, null, caller.Address));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Returns null when <paramref name="className"/> can name a class, else why it cannot.</summary>
    public static string? ValidateClassName(string? className)
    {
        if (string.IsNullOrWhiteSpace(className))
        {
            return "a class name is required";
        }

        if (className.Length > MaxClassNameLength)
        {
            return $"the class name is {className.Length} characters long; the limit is {MaxClassNameLength}";
        }

        if (className != className.Trim())
        {
            return $"the class name '{className}' starts or ends with a space";
        }

        return className.Any(c => char.IsControl(c) || c is '/' or '\\') || className is "." or ".."
            ? $"'{className}' cannot name a class: it must not contain '/', '\\' or control characters"
            : null;
    }

    private async Task<(DatasetVersion Previous, List<ChosenImage> Chosen)> LoadChangeAsync(
        string datasetName, IReadOnlyCollection<string> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw ProblemException.Invalid("no images were chosen: name at least one image by its sha256");
        }

        if (images.Count > MaxImagesPerChange)
        {
            throw ProblemException.Invalid($"{images.Count} images were chosen; one change may name at most {MaxImagesPerChange}");
        }

        var hashes = images.Select(h => (h ?? "").Trim().ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
        if (hashes.FirstOrDefault(h => h.Length != 64 || !h.All(char.IsAsciiHexDigitLower)) is { } bad)
        {
            throw ProblemException.Invalid($"'{bad}' is not an image's sha256 (64 hexadecimal characters)");
        }

        var previous = await db.DatasetVersions.AsNoTracking()
            .Where(v => v.Dataset!.Name == datasetName)
            .OrderByDescending(v => v.Number)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false)
            ?? throw ProblemException.NotFound($"dataset '{datasetName}' does not exist");
        var chosen = await db.Images.AsNoTracking()
            .Where(i => i.DatasetVersionId == previous.Id && hashes.Contains(i.Sha256))
            .Select(i => new ChosenImage(i.Sha256, i.ClassIndex, i.Split))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (chosen.Count < hashes.Count)
        {
            var found = chosen.Select(c => c.Sha256).ToHashSet(StringComparer.Ordinal);
            var missing = hashes.Where(h => !found.Contains(h)).ToList();
            throw ProblemException.NotFound(
                $"{missing.Count} of the chosen images {(missing.Count == 1 ? "is" : "are")} not in version {previous.Number} of '{datasetName}' " +
                $"(e.g. {missing[0][..12]}…); reload the images and choose again");
        }

        return (previous, chosen);
    }

    private async Task<int[]> CountsAsync(DatasetVersion version, int classes, CancellationToken cancellationToken)
    {
        var counts = new int[classes];
        var rows = await db.Images.AsNoTracking()
            .Where(i => i.DatasetVersionId == version.Id)
            .GroupBy(i => i.ClassIndex)
            .Select(g => new { ClassIndex = g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var row in rows.Where(r => r.ClassIndex >= 0 && r.ClassIndex < classes))
        {
            counts[row.ClassIndex] = row.Count;
        }

        return counts;
    }

    private static void CheckClasses(IReadOnlyList<string> classes, int[] counts, string change)
    {
        var empty = classes.Where((_, i) => counts[i] == 0).ToList();
        if (empty.Count > 0)
        {
            var withImages = counts.Count(c => c > 0);
            throw ProblemException.Invalid(
                $"{change} would leave class{(empty.Count > 1 ? "es" : "")} {string.Join(", ", empty.Select(e => $"'{e}'"))} without images" +
                (withImages < 2 ? " and the dataset with one class: a classifier needs at least two classes with images" : ": every class needs at least one image") +
                "; choose fewer images");
        }
    }

    // One transaction: the version row, then the copy of every image row in the database, then the change itself.
    private async Task<DatasetVersion> DeriveAsync(
        DatasetVersion previous, List<string> classes, string source, Func<DatasetVersion, Task> change, CancellationToken cancellationToken,
        DatasetVersion? copyOf = null)
    {
        var version = new DatasetVersion
        {
            DatasetId = previous.DatasetId,
            Number = previous.Number + 1,
            Classes = classes,
            Source = source,
            Split = (copyOf ?? previous).Split,
            Import = new ImportReport(),
        };

        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            db.DatasetVersions.Add(version);
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbUpdateException e)
            {
                throw new ProblemException(
                    ProblemKind.Conflict,
                    $"the dataset changed while this change was being made (version {version.Number} now exists); reload and try again",
                    e);
            }

            await CopyImagesAsync((copyOf ?? previous).Id, version.Id, cancellationToken).ConfigureAwait(false);
            await change(version).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        db.ChangeTracker.Clear();
        return version;
    }

    private async Task CopyImagesAsync(Guid from, Guid to, CancellationToken cancellationToken)
    {
        // Names come from the model, so the statement is right on SQLite and PostgreSQL alike.
        var entity = db.Model.FindEntityType(typeof(ImageItem))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        string Column(string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!);

        string[] copied =
        [
            nameof(ImageItem.Sha256), nameof(ImageItem.SourcePath), nameof(ImageItem.ClassIndex), nameof(ImageItem.Width),
            nameof(ImageItem.Height), nameof(ImageItem.Bytes), nameof(ImageItem.Format), nameof(ImageItem.Split),
        ];
        var columns = string.Join(", ", copied.Select(Column));
        var versionColumn = Column(nameof(ImageItem.DatasetVersionId));
        var tableName = sql.DelimitIdentifier(table.Name, table.Schema);
#pragma warning disable EF1002 // Only identifiers from the model are interpolated; the values are parameters.
        await db.Database.ExecuteSqlRawAsync(
            $"INSERT INTO {tableName} ({versionColumn}, {columns}) SELECT {{0}}, {columns} FROM {tableName} WHERE {versionColumn} = {{1}}",
            [to, from],
            cancellationToken).ConfigureAwait(false);
#pragma warning restore EF1002
    }

    private static string Plural(int n) => n == 1 ? "" : "s";

    private sealed record ChosenImage(string Sha256, int ClassIndex, Split Split);
}
