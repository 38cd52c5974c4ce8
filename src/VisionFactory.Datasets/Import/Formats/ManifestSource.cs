using VisionFactory.Datasets.Editing;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;

namespace VisionFactory.Datasets.Import.Formats;

/// <summary>One labelled file named by a manifest; <paramref name="Where"/> locates it in the manifest for messages.</summary>
internal sealed record ManifestRow(string Path, string? Label, string Where, string? Problem = null);

/// <summary>
/// Images listed in a manifest (CSV, COCO JSON) with their labels, read from the manifest's folder. A path that is
/// absolute, climbs out with '..' or names an invalid class refuses the manifest; a file that is missing or reached
/// through a link leading out of the folder is skipped with the reason.
/// </summary>
internal abstract class ManifestSource : ImportSource
{
    private readonly string folder;
    private readonly Dictionary<string, string> paths = new(StringComparer.Ordinal);
    private readonly List<SkippedFile> refused = [];

    protected ManifestSource(string manifest, IReadOnlyList<ManifestRow> rows, ArchiveLimits limits)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(limits);
        Description = Path.GetFullPath(manifest);
        folder = ImportRoots.RealPath(Path.GetDirectoryName(Description)!);
        if (rows.Count > limits.MaxEntries)
        {
            throw ProblemException.Invalid($"the manifest lists {rows.Count} images; the limit is {limits.MaxEntries}; nothing was imported");
        }

        var classes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (UnsafeEntryName(row.Path) is { } why || (why = row.Path.Length == 0 ? "is empty" : null) is not null)
            {
                throw ProblemException.Invalid($"{row.Where}: the path '{PrintableName(row.Path)}' {why}; paths are relative to the manifest's folder; nothing was imported");
            }

            if (row.Problem is not null)
            {
                refused.Add(new(row.Path, row.Problem));
                continue;
            }

            if (DatasetEditor.ValidateClassName(row.Label) is { } labelProblem)
            {
                throw ProblemException.Invalid($"{row.Where}: {labelProblem}; nothing was imported");
            }

            var key = $"{row.Label}/{row.Path}";
            for (var n = 2; paths.ContainsKey(key); n++)
            {
                key = $"{row.Label}/{row.Path} ({n})";
            }

            var real = ImportRoots.RealPath(Path.Combine(folder, row.Path));
            if (!real.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                refused.Add(new(key, "leads outside the manifest's folder through a symbolic link; links out are not followed"));
            }
            else if (!File.Exists(real))
            {
                refused.Add(new(key, $"does not exist ({row.Where})"));
            }
            else
            {
                paths[key] = real;
                classes.Add(row.Label!);
            }
        }

        Files = paths.Select(p => new SourceFile(p.Key, new FileInfo(p.Value).Length)).OrderBy(f => f.RelativePath, StringComparer.Ordinal).ToList();
        ClassFolders = classes.ToList();
    }

    public override string Description { get; }

    public override IReadOnlyList<SourceFile> Files { get; }

    public override IReadOnlyList<string> ClassFolders { get; }

    public override IReadOnlyList<SkippedFile> Refused => refused;

    public override async Task<byte[]> ReadAsync(SourceFile file, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Length > maxBytes)
        {
            throw new FileTooLargeException(file.Length, maxBytes);
        }

        return await File.ReadAllBytesAsync(paths[file.RelativePath], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Refuses a manifest file larger than <paramref name="maxBytes"/> before it is parsed.</summary>
    protected static void CheckSize(string path, long maxBytes)
    {
        var length = new FileInfo(path).Length;
        if (length > maxBytes)
        {
            throw ProblemException.Invalid($"'{Path.GetFileName(path)}' is {length / 1048576.0:0.#} MiB; a manifest may be at most {maxBytes / 1048576} MiB");
        }
    }
}
