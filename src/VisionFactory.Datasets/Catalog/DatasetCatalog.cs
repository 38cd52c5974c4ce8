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
            .Select(v => new { v.Dataset!.Name, v.Number, v.CreatedAt, Images = v.Items.Count })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.GroupBy(r => r.Name)
            .Select(g => g.MaxBy(r => r.Number)!)
            .Select(r => new DatasetListing(r.Name, r.Number, r.Images, r.CreatedAt))
            .OrderBy(l => l.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The named version, or the newest when <paramref name="number"/> is null.</summary>
    public async Task<DatasetVersion> GetVersionAsync(string name, int? number, bool withItems, CancellationToken cancellationToken)
    {
        var query = db.DatasetVersions.AsNoTracking().Include(v => v.Dataset).Where(v => v.Dataset!.Name == name);
        if (withItems)
        {
            query = query.Include(v => v.Items);
        }

        var version = number is { } n
            ? await query.SingleOrDefaultAsync(v => v.Number == n, cancellationToken).ConfigureAwait(false)
            : await query.OrderByDescending(v => v.Number).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (version is not null)
        {
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
    public async Task<DatasetVersion> GetVersionAsync(Guid id, CancellationToken cancellationToken) =>
        await db.DatasetVersions.AsNoTracking().Include(v => v.Dataset).Include(v => v.Items)
            .SingleOrDefaultAsync(v => v.Id == id, cancellationToken).ConfigureAwait(false)
        ?? throw ProblemException.NotFound($"dataset version {id} no longer exists");

    public async Task<DatasetSummary> SummarizeAsync(string name, int? number, CancellationToken cancellationToken)
    {
        var version = await GetVersionAsync(name, number, withItems: true, cancellationToken).ConfigureAwait(false);
        var classes = version.Classes
            .Select((c, i) =>
            {
                var items = version.Items.Where(x => x.ClassIndex == i).ToList();
                return new ClassCount(
                    c,
                    items.Count,
                    items.Count(x => x.Split == Split.Train),
                    items.Count(x => x.Split == Split.Validation),
                    items.Count(x => x.Split == Split.Test));
            })
            .ToList();
        return new DatasetSummary(
            name,
            version.Number,
            version.CreatedAt,
            version.Source,
            version.Items.Count,
            classes,
            ImageSizeStatistics.From(version.Items.Select(i => (i.Width, i.Height)).ToList()),
            version.Items.GroupBy(i => i.Format).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            version.Split,
            version.Import);
    }
}

/// <summary>A dataset and its newest version, as listed.</summary>
public sealed record DatasetListing(string Name, int LatestVersion, int Images, DateTimeOffset CreatedAt);

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
    ImportReport Import);
