using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Storage.Database;

namespace VisionFactory.Datasets.Catalog;

/// <summary>Finds datasets and versions by the names users type, and summarises them.</summary>
public sealed class DatasetCatalog(VisionFactoryDb db)
{
    public async Task<List<DatasetListing>> ListAsync(CancellationToken cancellationToken)
    {
        var rows = await db.DatasetVersions.AsNoTracking()
            .Select(v => new { v.Dataset!.Name, v.Number, v.CreatedAt, Images = v.Items.Count(i => i.Split != Split.Pool), Unlabelled = v.Items.Count(i => i.Split == Split.Pool) })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.GroupBy(r => r.Name)
            .Select(g => g.MaxBy(r => r.Number)!)
            .Select(r => new DatasetListing(r.Name, r.Number, r.Images, r.CreatedAt, r.Unlabelled))
            .OrderBy(l => l.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The named version, or the newest when <paramref name="number"/> is null. <paramref name="withItems"/> loads its
    /// labelled images only: the pool (<see cref="Split.Pool"/>) is never trained or evaluated on, so only a caller that
    /// carries the pool into a new version asks for it with <paramref name="withPool"/>.
    /// </summary>
    public async Task<DatasetVersion> GetVersionAsync(string name, int? number, bool withItems, CancellationToken cancellationToken, bool withPool = false)
    {
        var query = db.DatasetVersions.AsNoTracking().Include(v => v.Dataset).Where(v => v.Dataset!.Name == name);
        var version = number is { } n
            ? await query.SingleOrDefaultAsync(v => v.Number == n, cancellationToken).ConfigureAwait(false)
            : await query.OrderByDescending(v => v.Number).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (version is not null)
        {
            if (withItems)
            {
                await LoadItemsAsync(version, withPool, cancellationToken).ConfigureAwait(false);
            }

            return version;
        }

        var known = await db.Datasets.AsNoTracking().Select(d => d.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (known.Contains(name) && number is not null)
        {
            throw ProblemException.NotFound($"dataset '{name}' has no version {number}");
        }

        var hint = known.Count == 0
            ? "no datasets exist yet: import one with 'vf dataset import <name> <folder>'"
            : "known datasets: " + string.Join(", ", known.Order(StringComparer.Ordinal));
        throw ProblemException.NotFound($"dataset '{name}' does not exist; {hint}");
    }

    /// <summary>One version by id, with its images (a run trains on the version it was queued with).</summary>
    public async Task<DatasetVersion> GetVersionAsync(Guid id, CancellationToken cancellationToken)
    {
        var version = await db.DatasetVersions.AsNoTracking().Include(v => v.Dataset)
            .SingleOrDefaultAsync(v => v.Id == id, cancellationToken).ConfigureAwait(false)
            ?? throw ProblemException.NotFound($"dataset version {id} no longer exists");
        await LoadItemsAsync(version, withPool: false, cancellationToken).ConfigureAwait(false);
        return version;
    }

    /// <summary>
    /// Reads a version's images in a query of their own. Including them in the version's query would join the version
    /// row, with its import report, onto every image: at 100 000 images SQLite's sorter spilled tens of gigabytes.
    /// </summary>
    private async Task LoadItemsAsync(DatasetVersion version, bool withPool, CancellationToken cancellationToken)
    {
        var items = await db.Images.AsNoTracking().Where(i => i.DatasetVersionId == version.Id && (withPool || i.Split != Split.Pool)).OrderBy(i => i.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        version.Items.AddRange(items);
    }

    /// <summary>
    /// Counts, sizes and formats of a version, computed in SQL: a version of 100 000 images is never loaded whole.
    /// </summary>
    public async Task<DatasetSummary> SummarizeAsync(string name, int? number, CancellationToken cancellationToken)
    {
        var version = await GetVersionAsync(name, number, withItems: false, cancellationToken).ConfigureAwait(false);
        var items = db.Images.AsNoTracking().Where(i => i.DatasetVersionId == version.Id);
        var classes = await ClassCountsAsync(version, cancellationToken).ConfigureAwait(false);
        var formats = await items
            .GroupBy(i => i.Format)
            .Select(g => new { Format = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Format, g => g.Count, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
        var total = classes.Sum(c => c.Images);
        var unlabelled = await items.CountAsync(i => i.Split == Split.Pool, cancellationToken).ConfigureAwait(false);
        return new DatasetSummary(
            name,
            version.Number,
            version.CreatedAt,
            version.Source,
            total,
            classes,
            await SizesAsync(items, total + unlabelled, cancellationToken).ConfigureAwait(false),
            formats,
            version.Split,
            version.Import,
            version.Dataset?.ExternalTestSet,
            unlabelled);
    }

    /// <summary>The images of each class of a version, per split, counted in SQL.</summary>
    public async Task<List<ClassCount>> ClassCountsAsync(DatasetVersion version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        var perClassAndSplit = await db.Images.AsNoTracking().Where(i => i.DatasetVersionId == version.Id)
            .GroupBy(i => new { i.ClassIndex, i.Split })
            .Select(g => new { g.Key.ClassIndex, g.Key.Split, Count = g.Count() })
            .ToListAsync(cancellationToken).ConfigureAwait(false);

        int CountOf(int classIndex, Split? split) =>
            perClassAndSplit.Where(r => r.ClassIndex == classIndex && (split is null || r.Split == split)).Sum(r => r.Count);

        return version.Classes
            .Select((c, i) => new ClassCount(c, CountOf(i, null), CountOf(i, Split.Train), CountOf(i, Split.Validation), CountOf(i, Split.Test)))
            .ToList();
    }

    /// <summary>The versions of a dataset, newest first, with their image counts.</summary>
    public async Task<List<VersionListing>> ListVersionsAsync(string name, CancellationToken cancellationToken)
    {
        var versions = await db.DatasetVersions.AsNoTracking()
            .Where(v => v.Dataset!.Name == name)
            .OrderByDescending(v => v.Number)
            .Select(v => new VersionListing(v.Number, v.CreatedAt, v.Items.Count(i => i.Split != Split.Pool), v.Source, v.Items.Count(i => i.Split == Split.Pool)))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (versions.Count == 0)
        {
            // Fails with the names that do exist.
            await GetVersionAsync(name, null, withItems: false, cancellationToken).ConfigureAwait(false);
        }

        return versions;
    }

    /// <summary>
    /// One page of a version's images (the newest unless <paramref name="number"/> is given), in class order, with
    /// the number of images that match the filter. Filtering, counting and paging happen in SQL.
    /// </summary>
    public async Task<ImagePage> ListImagesAsync(string name, int? number, ImageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Skip < 0)
        {
            throw ProblemException.Invalid($"skip is {query.Skip}; it must be zero or more");
        }

        if (query.Take is < 1 or > ImageQuery.MaxTake)
        {
            throw ProblemException.Invalid($"take is {query.Take}; it must be between 1 and {ImageQuery.MaxTake}");
        }

        var version = await GetVersionAsync(name, number, withItems: false, cancellationToken).ConfigureAwait(false);
        var items = db.Images.AsNoTracking().Where(i => i.DatasetVersionId == version.Id);
        if (query.Class is { } className)
        {
            var index = ClassIndexOf(version, className);
            items = items.Where(i => i.ClassIndex == index);
        }

        if (query.Split is { } split)
        {
            // The pool is also every image without a class: saying so lets SQL use the (version, class) index.
            items = split == Split.Pool
                ? items.Where(i => i.ClassIndex == ImageItem.NoClass && i.Split == Split.Pool)
                : items.Where(i => i.Split == split);
        }

        if (query.Images is { Count: > 0 } only)
        {
            items = items.Where(i => only.Contains(i.Sha256));
        }

        var total = await items.CountAsync(cancellationToken).ConfigureAwait(false);
        var rows = await items
            .OrderBy(i => i.ClassIndex).ThenBy(i => i.Id)
            .Skip(query.Skip).Take(query.Take)
            .Select(i => new { i.Sha256, i.ClassIndex, i.Split, i.Width, i.Height, i.Bytes, i.Format, i.SourcePath })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var images = rows
            .Select(r => new ImageListing(r.Sha256, ClassNameOf(version, r.ClassIndex), r.Split, r.Width, r.Height, r.Bytes, r.Format, r.SourcePath))
            .ToList();
        return new ImagePage(name, version.Number, total, query.Skip, query.Take, images);
    }

    /// <summary>One image of a version (the newest unless <paramref name="number"/> is given): its label, split and file facts.</summary>
    public async Task<ImageListing> GetImageAsync(string name, int? number, string sha256, CancellationToken cancellationToken)
    {
        var version = await GetVersionAsync(name, number, withItems: false, cancellationToken).ConfigureAwait(false);
        var sha = sha256.ToLowerInvariant();
        var row = await db.Images.AsNoTracking()
            .Where(i => i.DatasetVersionId == version.Id && i.Sha256 == sha)
            .Select(i => new { i.Sha256, i.ClassIndex, i.Split, i.Width, i.Height, i.Bytes, i.Format, i.SourcePath })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false)
            ?? throw ProblemException.NotFound($"version {version.Number} of dataset '{name}' has no image {sha}");
        return new ImageListing(row.Sha256, ClassNameOf(version, row.ClassIndex), row.Split, row.Width, row.Height, row.Bytes, row.Format, row.SourcePath);
    }

    /// <summary>The encoded format of a stored image (jpeg, png, ...), or null when no dataset holds it.</summary>
    public async Task<string?> FormatOfImageAsync(string sha256, CancellationToken cancellationToken) =>
        await db.Images.AsNoTracking()
            .Where(i => i.Sha256 == sha256)
            .Select(i => i.Format)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);

    // An image of the pool has no class: null, which JSON writes as null and the grid shows as "unlabelled".
    private static string? ClassNameOf(DatasetVersion version, int classIndex) =>
        classIndex >= 0 && classIndex < version.Classes.Count ? version.Classes[classIndex] : null;

    private static int ClassIndexOf(DatasetVersion version, string className)
    {
        var index = version.Classes.IndexOf(className);
        return index >= 0
            ? index
            : throw ProblemException.Invalid(
                $"version {version.Number} has no class '{className}'; its classes are {string.Join(", ", version.Classes)}");
    }

    private static async Task<ImageSizeStatistics> SizesAsync(IQueryable<ImageItem> items, int total, CancellationToken cancellationToken)
    {
        if (total == 0)
        {
            return ImageSizeStatistics.From([]);
        }

        var aggregate = await items
            .GroupBy(_ => 1)
            .Select(g => new
            {
                MinWidth = g.Min(i => i.Width),
                MaxWidth = g.Max(i => i.Width),
                MeanWidth = g.Average(i => (double)i.Width),
                MinHeight = g.Min(i => i.Height),
                MaxHeight = g.Max(i => i.Height),
                MeanHeight = g.Average(i => (double)i.Height),
            })
            .SingleAsync(cancellationToken).ConfigureAwait(false);
        var medianWidth = await items.OrderBy(i => i.Width).Select(i => i.Width).Skip(total / 2).FirstAsync(cancellationToken).ConfigureAwait(false);
        var medianHeight = await items.OrderBy(i => i.Height).Select(i => i.Height).Skip(total / 2).FirstAsync(cancellationToken).ConfigureAwait(false);
        return new ImageSizeStatistics(
            aggregate.MinWidth, aggregate.MaxWidth, aggregate.MeanWidth, medianWidth,
            aggregate.MinHeight, aggregate.MaxHeight, aggregate.MeanHeight, medianHeight);
    }
}

/// <summary>A dataset and its newest version, as listed.</summary>
/// <param name="Name">The dataset's name.</param>
/// <param name="LatestVersion">Its newest version.</param>
/// <param name="Images">Labelled images of the newest version.</param>
/// <param name="CreatedAt">When the newest version was made.</param>
/// <param name="Unlabelled">Images in the pool, waiting for a label.</param>
public sealed record DatasetListing(string Name, int LatestVersion, int Images, DateTimeOffset CreatedAt, int Unlabelled = 0);

/// <summary>Images of one class, per split.</summary>
public sealed record ClassCount(string Name, int Images, int Train, int Validation, int Test);

/// <summary>What "dataset show" prints: counts, sizes, formats, split and the import's findings.</summary>
public sealed record DatasetSummary(
    string Name,
    int Version,
    DateTimeOffset CreatedAt,
    string Source,
    int Images,
    List<ClassCount> Classes,
    ImageSizeStatistics Sizes,
    Dictionary<string, int> Formats,
    SplitPlan Split,
    ImportReport Import,
    string? ExternalTestSet = null,
    int Unlabelled = 0);

/// <summary>A version of a dataset, as listed.</summary>
public sealed record VersionListing(int Number, DateTimeOffset CreatedAt, int Images, string Source, int Unlabelled = 0);

/// <summary>
/// Which images of a version to list: optional class and split filters (<see cref="Domain.Datasets.Split.Pool"/> lists the
/// unlabelled images), optionally only the images named by sha256 (e.g. a review's findings), and the page.
/// </summary>
public sealed record ImageQuery(string? Class = null, Split? Split = null, int Skip = 0, int Take = ImageQuery.DefaultTake, IReadOnlyCollection<string>? Images = null)
{
    public const int DefaultTake = 48;

    public const int MaxTake = 500;
}

/// <summary>One image of a dataset version: its address, label, split and file facts.</summary>
public sealed record ImageListing(string Sha256, string? Class, Split Split, int Width, int Height, long Bytes, string Format, string SourcePath);

/// <summary>A page of images, with the number of images that match the filter in the whole version.</summary>
public sealed record ImagePage(string Dataset, int Version, int Total, int Skip, int Take, List<ImageListing> Images);
