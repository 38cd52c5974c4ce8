using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Review;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Imaging.Caching;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Imaging.Quality;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;
using VisionFactory.Storage.Space;

namespace VisionFactory.Datasets.Import;

/// <summary>
/// Imports an ImageFolder-layout folder or archive into a new dataset version. Every file is decoded once
/// (header limits first); unusable files are reported and skipped; identical files are stored once. The decode
/// also fills the pixel cache at the default training size, so the first training run does not decode again.
/// Nothing is written to the database unless the whole import succeeds.
/// </summary>
public sealed class DatasetImporter(VisionFactoryDb db, BlobStore blobs, PixelCache pixels)
{
    /// <summary>The image side the pixel cache is filled for during import.</summary>
    public const int WarmCacheSize = 224;

    // Flushes in flight at once: enough for the file system to commit several together, few enough to leave the disk
    // to the reads.
    private const int FlushParallelism = 4;

    // At most this many files are named in a message; the rest are counted.
    private const int Limit = 5;

    public Task<DatasetVersion> ImportAsync(
        string datasetName,
        string sourcePath,
        ImportOptions options,
        IProgress<ImportProgress>? progress,
        CancellationToken cancellationToken) =>
        ImportAsync(datasetName, [sourcePath], null, options, progress, cancellationToken);

    /// <summary>
    /// Imports several folders and archives as one new version (an upload of loose images and zips): their class
    /// folders are merged. <paramref name="description"/> replaces the paths in the version's history when given.
    /// </summary>
    public async Task<DatasetVersion> ImportAsync(
        string datasetName,
        IReadOnlyList<string> sourcePaths,
        string? description,
        ImportOptions options,
        IProgress<ImportProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sourcePaths);
        Validate(datasetName, options);
        using var source = ImportSource.Open(sourcePaths, options.Archive, options.Format);
        return await ImportFromAsync(datasetName, source, description, options, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Imports an opened source (e.g. web addresses) as a new version; the caller disposes the source.</summary>
    public async Task<DatasetVersion> ImportFromAsync(
        string datasetName,
        ImportSource source,
        string? description,
        ImportOptions options,
        IProgress<ImportProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        Validate(datasetName, options);
        var dataset = await db.Datasets.SingleOrDefaultAsync(d => d.Name == datasetName, cancellationToken).ConfigureAwait(false);
        var previous = dataset is null
            ? null
            : await new DatasetCatalog(db).GetVersionAsync(datasetName, null, withItems: true, cancellationToken, withPool: true).ConfigureAwait(false);

        DiskSpace.EnsureFree(blobs.RootPath, EstimatedBytes(source), "the import");
        var added = new ConcurrentBag<string>();
        var claims = new ConcurrentBag<IDisposable>();
        try
        {
            return await ImportDecodedAsync(datasetName, description, source, dataset, previous, options, added, claims, progress, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            // Nothing half-imported: blobs this import added are removed again when it fails, except those another import
            // in flight found present meanwhile (it claimed them) or a committed version names.
            Release(claims);
            foreach (var sha in added)
            {
                blobs.DeleteUnclaimed(sha, IsNamedByAVersion);
            }

            if (DiskSpace.AsProblem(failure, blobs.RootPath) is { } full && !ReferenceEquals(full, failure))
            {
                throw full;
            }

            throw;
        }
        finally
        {
            Release(claims);
        }
    }

    // The blobs plus the pixel cache at the training size (3 bytes a pixel).
    private static long EstimatedBytes(ImportSource source) =>
        source.Files.Sum(f => f.Length + (long)WarmCacheSize * WarmCacheSize * 3);

    private static void Release(ConcurrentBag<IDisposable> claims)
    {
        while (claims.TryTake(out var claim))
        {
            claim.Dispose();
        }
    }

    private bool IsNamedByAVersion(string sha256)
    {
        try
        {
            return db.Images.AsNoTracking().Any(i => i.Sha256 == sha256);
        }
        catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException)
        {
            // Unsure whether a version names it: keep it; the garbage collector decides later.
            return true;
        }
    }

    private static void Validate(string datasetName, ImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (DatasetName.Validate(datasetName) is { } nameProblem)
        {
            throw ProblemException.Invalid(nameProblem);
        }

        if (options.Split.Validate() is { } splitProblem)
        {
            throw ProblemException.Invalid(splitProblem);
        }
    }

    private async Task<DatasetVersion> ImportDecodedAsync(
        string datasetName,
        string? description,
        ImportSource source,
        Dataset? dataset,
        DatasetVersion? previous,
        ImportOptions options,
        ConcurrentBag<string> added,
        ConcurrentBag<IDisposable> claims,
        IProgress<ImportProgress>? progress,
        CancellationToken cancellationToken)
    {
        // New blobs are flushed to the disk while later files decode; all of them before the version is committed.
        await using var flusher = new BlobFlusher(blobs, FlushParallelism);
        var decoded = await DecodeAllAsync(source, options, added, claims, flusher, progress, cancellationToken).ConfigureAwait(false);
        var classes = options.Unlabelled ? [.. previous?.Classes ?? []] : ClassesOf(source, decoded.Accepted, previous);
        var (splits, grouping) = options.Unlabelled
            ? (decoded.Accepted.ToDictionary(a => a.Path, _ => Split.Pool, StringComparer.Ordinal), new SplitGrouping(0, 0, 0, NearDuplicateSplit.HashRadius))
            : source.OwnSplits is { } own
            ? KeepOwnSplit(decoded.Accepted, previous, classes, options.Split, own)
            : SplitFresh(decoded.Accepted, previous, classes, options.Split);

        var known = previous?.Items.Select(i => i.Sha256).ToHashSet(StringComparer.Ordinal) ?? [];
        if (decoded.Accepted.All(a => known.Contains(a.Sha256)))
        {
            throw ProblemException.Invalid(NothingImported(source, decoded, previous));
        }

        var report = new ImportReport
        {
            FilesSeen = source.Files.Count + source.Refused.Count,
            Imported = decoded.Accepted.Count,
            Skipped = decoded.Skipped.Concat(source.Refused)
                .Select(s => s with { Path = DisplayPath.Escape(s.Path) })
                .OrderBy(s => s.Path, StringComparer.Ordinal).ToList(),
            Duplicates = decoded.Duplicates.Select(d => d with { Paths = d.Paths.Select(DisplayPath.Escape).ToList() }).ToList(),
            Grouping = grouping,
        };

        var isNew = dataset is null;
        dataset ??= new Dataset { Name = datasetName };
        var version = new DatasetVersion
        {
            DatasetId = dataset.Id,
            Number = (previous?.Number ?? 0) + 1,
            Classes = classes,
            Source = description ?? source.Description,
            // A source with its own split records the shares it holds: its test part and its train part divided as planned.
            Split = options.Unlabelled ? previous?.Split ?? options.Split
                : source.OwnSplits is null ? options.Split
                : SharesOf([.. splits.Values, .. Labelled(previous).Select(i => i.Split)], options.Split.Seed),
            Import = report,
        };

        var items = BuildItems(version, decoded.Accepted, previous, classes, splits);
        if (!options.Unlabelled)
        {
            // Images without a class only join the pool: the classes stay as they were.
            CheckClasses(classes, items.Where(i => i.Split != Split.Pool).ToList(), report.Skipped);
        }

        version.Items.AddRange(items);
        report.Warnings.AddRange(SplitCoverage.Warnings(CountsOf(classes, items), version.Split));

        // Every new blob reaches the disk before the version that names it is committed.
        await flusher.CompleteAsync().ConfigureAwait(false);

        if (isNew)
        {
            db.Datasets.Add(dataset);
        }

        db.DatasetVersions.Add(version);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return version;
    }

    private async Task<DecodeResult> DecodeAllAsync(
        ImportSource source, ImportOptions options, ConcurrentBag<string> added, ConcurrentBag<IDisposable> claims, BlobFlusher flusher,
        IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        var accepted = new ConcurrentDictionary<string, AcceptedFile>(StringComparer.Ordinal);
        var stored = new ConcurrentDictionary<string, Lazy<StoredImage>>(StringComparer.Ordinal);
        var skipped = new ConcurrentBag<SkippedFile>();
        var done = 0;
        var total = source.Files.Count;

        // Twice the cores: while one file waits for its blob to reach the disk (or for a download), another decodes.
        await Parallel.ForEachAsync(
            source.Files,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount * 2, CancellationToken = cancellationToken },
            async (file, ct) =>
            {
                var outcome = await DecodeOneAsync(source, file, options, stored, added, claims, flusher, ct).ConfigureAwait(false);
                if (outcome.Skip is { } skip)
                {
                    skipped.Add(skip);
                }
                else
                {
                    accepted[file.RelativePath] = outcome.File!;
                }

                var n = Interlocked.Increment(ref done);
                progress?.Report(new ImportProgress(n, total, skipped.Count, file.RelativePath));
            }).ConfigureAwait(false);

        // Identical bytes are kept once: the first path in ordinal order wins, the rest are reported.
        var byHash = accepted.Values.GroupBy(a => a.Sha256).ToList();
        var duplicates = byHash
            .Where(g => g.Count() > 1)
            .Select(g =>
            {
                var paths = g.Select(a => a.Path).Order(StringComparer.Ordinal).ToList();
                var crosses = g.Select(a => a.Class).Distinct(StringComparer.Ordinal).Count() > 1;
                return new DuplicateGroup(g.Key, paths, crosses);
            })
            .OrderBy(d => d.Paths[0], StringComparer.Ordinal)
            .ToList();
        var unique = byHash
            .Select(g => g.OrderBy(a => a.Path, StringComparer.Ordinal).First())
            .OrderBy(a => a.Path, StringComparer.Ordinal)
            .ToList();
        return new DecodeResult(unique, skipped.ToList(), duplicates);
    }

    private async Task<(AcceptedFile? File, SkippedFile? Skip)> DecodeOneAsync(
        ImportSource source, SourceFile file, ImportOptions options, ConcurrentDictionary<string, Lazy<StoredImage>> stored,
        ConcurrentBag<string> added, ConcurrentBag<IDisposable> claims, BlobFlusher flusher, CancellationToken cancellationToken)
    {
        var limits = options.Limits;

        // Unlabelled: any file anywhere in the source is an image for the pool; folders name no class.
        var className = options.Unlabelled ? "" : ImportSource.ClassOf(file.RelativePath);
        if (className is null)
        {
            return (null, new SkippedFile(file.RelativePath, "not inside a class folder (expected <class>/<image>)"));
        }

        if (Path.GetFileName(file.RelativePath).StartsWith('.'))
        {
            return (null, new SkippedFile(file.RelativePath, "hidden file"));
        }

        try
        {
            var bytes = await source.ReadAsync(file, limits.MaxFileBytes, cancellationToken).ConfigureAwait(false);
            var sha = BlobStore.Sha256Of(bytes);

            // Identical files are decoded, stored and cached once; their copies (reported as duplicates) share that.
            // A rejection is shared the same way: Lazy keeps the exception for every copy.
            var image = stored.GetOrAdd(sha, key => new Lazy<StoredImage>(() => Store(key, bytes, limits, added, claims, flusher))).Value;
            return (new AcceptedFile(file.RelativePath, className, sha, image.Header, bytes.LongLength, image.Hashes), null);
        }
        catch (ImageRejectedException e)
        {
            return (null, new SkippedFile(file.RelativePath, e.Message));
        }
        catch (FileTooLargeException e)
        {
            return (null, new SkippedFile(file.RelativePath, e.Message));
        }
        catch (IOException e) when (!DiskSpace.IsDiskFull(e))
        {
            return (null, new SkippedFile(file.RelativePath, "could not be read: " + e.Message));
        }
        catch (InvalidDataException e)
        {
            return (null, new SkippedFile(file.RelativePath, "damaged archive entry: " + e.Message));
        }
    }

    // Decodes one image once: its blob (unless the store has it), its pixels at the training size, its perceptual hashes.
    // Thumbnails are made when an image is first shown: most of a large import is never browsed.
    private StoredImage Store(
        string sha, byte[] bytes, ImageLimits limits, ConcurrentBag<string> added, ConcurrentBag<IDisposable> claims, BlobFlusher flusher)
    {
        var (header, rgb) = ImageDecoder.DecodeSquare(bytes, WarmCacheSize, limits);

        // Claimed before the look: a blob found present cannot be deleted by a failing import or the collector until
        // this import has committed the version that names it (or failed).
        claims.Add(blobs.Claim(sha));
        if (!blobs.Touch(sha))
        {
            blobs.PutUnflushed(bytes);
            added.Add(sha);
            flusher.Add(sha);
        }

        pixels.Write(sha, WarmCacheSize, rgb);
        return new StoredImage(header, ImageHashes.Of(rgb, WarmCacheSize));
    }

    private static List<string> ClassesOf(ImportSource source, List<AcceptedFile> accepted, DatasetVersion? previous)
    {
        var names = new SortedSet<string>(source.ClassFolders, StringComparer.Ordinal);
        names.UnionWith(accepted.Select(a => a.Class));
        if (previous is null)
        {
            return names.ToList();
        }

        // Earlier classes keep their label index; new ones are appended.
        var classes = new List<string>(previous.Classes);
        classes.AddRange(names.Where(n => !classes.Contains(n)));
        return classes;
    }

    private static List<ImageItem> BuildItems(
        DatasetVersion version, List<AcceptedFile> accepted, DatasetVersion? previous, List<string> classes, Dictionary<string, Split> splits)
    {
        var items = new List<ImageItem>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var old in previous?.Items ?? [])
        {
            known.Add(old.Sha256);
            items.Add(new ImageItem
            {
                DatasetVersionId = version.Id,
                Sha256 = old.Sha256,
                SourcePath = old.SourcePath,
                ClassIndex = old.ClassIndex,
                Width = old.Width,
                Height = old.Height,
                Bytes = old.Bytes,
                Format = old.Format,
                Split = old.Split,
            });
        }

        var fresh = accepted.Where(a => known.Add(a.Sha256)).ToList();
        items.AddRange(fresh.Select(a => new ImageItem
        {
            DatasetVersionId = version.Id,
            Sha256 = a.Sha256,
            SourcePath = DisplayPath.Escape(a.Path),
            ClassIndex = splits[a.Path] == Split.Pool ? ImageItem.NoClass : classes.IndexOf(a.Class),
            Width = a.Header.Width,
            Height = a.Header.Height,
            Bytes = a.Bytes,
            Format = a.Header.Format,
            Split = splits[a.Path],
        }));
        return items;
    }

    // The split of the images new to the dataset: stratified, with near-duplicates (by the perceptual hashes taken while
    // decoding; earlier images' from their cached pixels) kept in one split; look-alikes of earlier images follow them.
    private (Dictionary<string, Split> Splits, SplitGrouping Grouping) SplitFresh(
        List<AcceptedFile> accepted, DatasetVersion? previous, List<string> classes, SplitPlan plan)
    {
        var known = previous?.Items.Select(i => i.Sha256).ToHashSet(StringComparer.Ordinal) ?? [];
        var fresh = accepted.Where(a => !known.Contains(a.Sha256)).Select(a => (a.Path, a.Sha256, classes.IndexOf(a.Class))).ToList();
        var decoded = accepted.DistinctBy(a => a.Sha256).ToDictionary(a => a.Sha256, a => a.Hashes, StringComparer.Ordinal);
        return NearDuplicateSplit.Assign(fresh, Labelled(previous), plan, sha =>
            decoded.TryGetValue(sha, out var hashes) ? hashes
            : pixels.TryRead(sha, WarmCacheSize, out var rgb) ? ImageHashes.Of(rgb, WarmCacheSize) : null);
    }

    // A source with its own split (a public dataset's train and test files) keeps it: its test files are the test split,
    // and its train files are divided into train and validation in the plan's proportion between the two (stratified,
    // near-duplicates together), so no image crosses the dataset's own train / test boundary.
    private (Dictionary<string, Split> Splits, SplitGrouping Grouping) KeepOwnSplit(
        List<AcceptedFile> accepted, DatasetVersion? previous, List<string> classes, SplitPlan plan, IReadOnlyDictionary<string, Split> own)
    {
        var test = accepted.Where(a => own.GetValueOrDefault(a.Path, Split.Train) == Split.Test).ToList();
        var train = accepted.Where(a => own.GetValueOrDefault(a.Path, Split.Train) != Split.Test).ToList();
        var kept = plan.Train + plan.Validation;
        var trainPlan = new SplitPlan(plan.Train / kept, plan.Validation / kept, 0, plan.Seed);
        var (splits, grouping) = SplitFresh(train, previous, classes, trainPlan);
        foreach (var a in test)
        {
            splits[a.Path] = Split.Test;
        }

        return (splits, grouping);
    }

    // The pool takes no part in splitting: its images have no class and no split yet.
    private static List<ImageItem> Labelled(DatasetVersion? version) => version?.Items.Where(i => i.Split != Split.Pool).ToList() ?? [];

    private static SplitPlan SharesOf(List<Split> splits, int seed)
    {
        double total = Math.Max(1, splits.Count);
        var test = splits.Count(s => s == Split.Test) / total;
        var validation = splits.Count(s => s == Split.Validation) / total;
        return new SplitPlan(1 - test - validation, validation, test, seed);
    }

    // An import that adds no image makes no version: it says what became of each file the user gave.
    private static string NothingImported(ImportSource source, DecodeResult decoded, DatasetVersion? previous)
    {
        var skipped = decoded.Skipped.Concat(source.Refused).OrderBy(s => s.Path, StringComparer.Ordinal).ToList();
        if (skipped.Count > 0)
        {
            var known = decoded.Accepted.Count > 0 && previous is not null
                ? $"; the other {Files(decoded.Accepted.Count)} are already in version {previous.Number}"
                : "";
            return $"nothing was imported: {Describe(skipped, Limit)}{known}";
        }

        if (decoded.Accepted.Count > 0 && previous is not null)
        {
            return $"nothing was imported: the {Files(decoded.Accepted.Count)} given are already in version {previous.Number}; no new version was made";
        }

        return source.ClassFolders.Count > 0
            ? $"nothing was imported: the class folder{(source.ClassFolders.Count > 1 ? "s" : "")} " +
              $"{string.Join(", ", source.ClassFolders.Select(c => $"'{DisplayPath.Escape(c)}'"))} hold no files: put images in them"
            : "nothing was imported: no files were found; put the images in one sub-folder per class (e.g. cats/, dogs/)";
    }

    private static string Describe(List<SkippedFile> skipped, int limit) =>
        string.Join("; ", skipped.Take(limit).Select(s => $"{DisplayPath.Escape(s.Path)}: {s.Reason}")) +
        (skipped.Count > limit ? $"; and {skipped.Count - limit} more" : "");

    private static string Files(int n) => n == 1 ? "1 image" : $"{n} images";

    private static List<ClassCount> CountsOf(List<string> classes, List<ImageItem> items) =>
        classes.Select((name, index) =>
        {
            var of = items.Where(i => i.ClassIndex == index).ToList();
            return new ClassCount(name, of.Count, of.Count(i => i.Split == Split.Train), of.Count(i => i.Split == Split.Validation), of.Count(i => i.Split == Split.Test));
        }).ToList();

    private static void CheckClasses(List<string> classes, List<ImageItem> items, List<SkippedFile> skipped)
    {
        if (classes.Count == 0)
        {
            throw ProblemException.Invalid("no class folders found: put the images in one sub-folder per class (e.g. cats/, dogs/)");
        }

        var counts = items.GroupBy(i => i.ClassIndex).ToDictionary(g => g.Key, g => g.Count());
        var empty = classes.Where((_, i) => !counts.ContainsKey(i)).ToList();
        if (empty.Count > 0)
        {
            var theirs = skipped.Where(s => empty.Contains(ImportSource.ClassOf(s.Path) ?? "", StringComparer.Ordinal)).ToList();
            throw ProblemException.Invalid(
                $"{(empty.Count > 1 ? "the class folders" : "the class folder")} {string.Join(", ", empty.Select(e => $"'{DisplayPath.Escape(e)}'"))} " +
                $"{(empty.Count > 1 ? "hold" : "holds")} no usable image" +
                (theirs.Count > 0 ? $" ({Describe(theirs, Limit)})" : "") +
                ": add images or remove the folder; nothing was imported");
        }

        if (classes.Count < 2)
        {
            throw ProblemException.Invalid(
                $"only one class ('{classes[0]}') was found: a classifier needs at least two class folders");
        }
    }

    private sealed record AcceptedFile(string Path, string Class, string Sha256, ImageHeader Header, long Bytes, ImageHashes Hashes);

    private sealed record StoredImage(ImageHeader Header, ImageHashes Hashes);

    private sealed record DecodeResult(List<AcceptedFile> Accepted, List<SkippedFile> Skipped, List<DuplicateGroup> Duplicates);
}
