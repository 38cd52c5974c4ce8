using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;

namespace VisionFactory.Datasets.Import.Formats;

/// <summary>
/// An ImageFolder tree with a folder per split above the class folders (<c>train/ants/1.jpg</c>, <c>val/bees/2.jpg</c>,
/// as the PyTorch tutorial's hymenoptera archive is laid out): each file becomes <c>class/split/name</c> and keeps the
/// split its top folder names. Files outside the named split folders are left out with the reason.
/// </summary>
internal sealed class SplitFoldersSource : ImportSource
{
    private readonly ImportSource inner;
    private readonly Dictionary<string, SourceFile> originals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Split> splits = new(StringComparer.Ordinal);
    private readonly List<SkippedFile> refused;

    /// <param name="inner">The opened tree (taken over: disposed with this source).</param>
    /// <param name="folders">Each split folder's name and the split it is.</param>
    public SplitFoldersSource(ImportSource inner, IReadOnlyDictionary<string, Split> folders)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(folders);
        this.inner = inner;
        refused = [.. inner.Refused];
        foreach (var file in inner.Files)
        {
            var parts = file.RelativePath.Split('/', 3);
            if (parts.Length < 3 || !folders.TryGetValue(parts[0], out var split))
            {
                refused.Add(new SkippedFile(file.RelativePath, $"not inside a split folder ({string.Join(", ", folders.Keys.Select(k => k + "/"))}) and a class folder"));
                continue;
            }

            var path = $"{parts[1]}/{parts[0]}/{parts[2]}";
            originals[path] = file;
            splits[path] = split;
        }

        if (originals.Count == 0)
        {
            inner.Dispose();
            throw ProblemException.Invalid(
                $"'{inner.Description}' holds no images under {string.Join(" or ", folders.Keys.Select(k => k + "/<class>/"))}; nothing was imported");
        }

        Files = originals.Select(o => new SourceFile(o.Key, o.Value.Length)).OrderBy(f => f.RelativePath, StringComparer.Ordinal).ToList();
        ClassFolders = Files.Select(f => ClassOf(f.RelativePath)!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    public override string Description => inner.Description;

    public override IReadOnlyList<SourceFile> Files { get; }

    public override IReadOnlyList<string> ClassFolders { get; }

    public override IReadOnlyList<SkippedFile> Refused => refused;

    public override IReadOnlyDictionary<string, Split> OwnSplits => splits;

    public override Task<byte[]> ReadAsync(SourceFile file, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        return inner.ReadAsync(originals[file.RelativePath], maxBytes, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
