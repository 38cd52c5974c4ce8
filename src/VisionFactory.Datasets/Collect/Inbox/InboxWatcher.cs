using VisionFactory.Domain.Datasets;

namespace VisionFactory.Datasets.Collect.Inbox;

/// <summary>Files of one dataset that finished uploading, moved aside for import as one folder of class folders.</summary>
/// <param name="Dataset">The dataset, named by the first folder level.</param>
/// <param name="Folder">The batch folder (one sub-folder per class) to import.</param>
/// <param name="Files">How many files the batch holds.</param>
public sealed record InboxBatch(string Dataset, string Folder, int Files);

/// <summary>
/// Watches an upload inbox laid out as <c>&lt;dataset&gt;/&lt;class&gt;/&lt;image&gt;</c>. A file counts as completely
/// uploaded once its size and modification time have not changed for <see cref="InboxOptions.StableFor"/>; partial
/// names (hidden files, .part, .tmp, .filepart) and links are never taken. Stable files are moved (a rename on the same
/// disk) into <c>.processing/&lt;batch&gt;</c>, so an upload that resumes later starts a new file rather than changing one
/// being imported. After the import the batch is removed, or moved to <c>.failed</c> with the reason beside it.
/// </summary>
public sealed class InboxWatcher(InboxOptions options, TimeProvider time)
{
    private const string Processing = ".processing";
    private const string FailedFolder = ".failed";
    private readonly Dictionary<string, (long Length, DateTime Written, DateTimeOffset Since)> seen = new(StringComparer.Ordinal);

    private string Root => System.IO.Path.GetFullPath(options.Path ?? throw new InvalidOperationException("the inbox has no path"));

    /// <summary>Looks at the inbox once and moves every completely uploaded file into a batch per dataset.</summary>
    public IReadOnlyList<InboxBatch> Scan()
    {
        var root = Root;
        Directory.CreateDirectory(root);
        var now = time.GetUtcNow();
        var ready = new Dictionary<string, List<(string Full, string Class, string Relative)>>(StringComparer.Ordinal);
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var datasetFolder in new DirectoryInfo(root).EnumerateDirectories())
        {
            if (datasetFolder.Name.StartsWith('.') || datasetFolder.LinkTarget is not null)
            {
                continue;
            }

            foreach (var file in Files(datasetFolder))
            {
                var relative = System.IO.Path.GetRelativePath(datasetFolder.FullName, file.FullName).Replace('\\', '/');
                var slash = relative.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0 || Partial(file.Name))
                {
                    continue;
                }

                present.Add(file.FullName);
                var state = (file.Length, file.LastWriteTimeUtc);
                if (!seen.TryGetValue(file.FullName, out var last) || last.Length != state.Length || last.Written != state.LastWriteTimeUtc)
                {
                    seen[file.FullName] = (state.Length, state.LastWriteTimeUtc, now);
                    continue;
                }

                if (now - last.Since >= options.StableFor && file.Length > 0)
                {
                    if (!ready.TryGetValue(datasetFolder.Name, out var list))
                    {
                        ready[datasetFolder.Name] = list = [];
                    }

                    list.Add((file.FullName, relative[..slash], relative));
                }
            }
        }

        foreach (var gone in seen.Keys.Where(k => !present.Contains(k)).ToList())
        {
            seen.Remove(gone);
        }

        var batches = new List<InboxBatch>();
        foreach (var (dataset, files) in ready)
        {
            var batch = System.IO.Path.Combine(root, Processing, $"{dataset}-{now:yyyyMMddHHmmss}-{Guid.NewGuid():N}");
            foreach (var (full, _, relative) in files)
            {
                var target = System.IO.Path.Combine(batch, relative);
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
                File.Move(full, target);
                seen.Remove(full);
            }

            batches.Add(new InboxBatch(dataset, batch, files.Count));
        }

        return batches;
    }

    /// <summary>Removes an imported batch; the dataset folders it came from stay for the next uploads.</summary>
    public static void Completed(InboxBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Directory.Delete(batch.Folder, recursive: true);
    }

    /// <summary>Moves a batch that could not be imported to <c>.failed</c> with a <c>reason.txt</c> and the import report.</summary>
    public void Failed(InboxBatch batch, string reason, IEnumerable<SkippedFile>? skipped = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var target = System.IO.Path.Combine(Root, FailedFolder, System.IO.Path.GetFileName(batch.Folder));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
        Directory.Move(batch.Folder, target);
        File.WriteAllLines(System.IO.Path.Combine(target, "reason.txt"), [reason, .. (skipped ?? []).Select(s => $"{s.Path}: {s.Reason}")]);
    }

    // Regular files under a dataset folder, never through links.
    private static IEnumerable<FileInfo> Files(DirectoryInfo folder)
    {
        foreach (var entry in folder.EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null || entry.Name.StartsWith('.'))
            {
                continue;
            }

            if (entry is DirectoryInfo sub)
            {
                foreach (var file in Files(sub))
                {
                    yield return file;
                }
            }
            else if (entry is FileInfo file)
            {
                yield return file;
            }
        }
    }

    private static bool Partial(string name) =>
        name.StartsWith('.') || name.EndsWith(".part", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith(".filepart", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".crdownload", StringComparison.OrdinalIgnoreCase);
}
