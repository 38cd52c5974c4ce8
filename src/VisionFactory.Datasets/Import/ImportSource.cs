using System.IO.Compression;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Import;

/// <summary>One file offered by an import source, located by its path inside the source.</summary>
public sealed record SourceFile(string RelativePath, long Length);

/// <summary>
/// A folder or a .zip archive in the ImageFolder layout: one sub-folder per class, images inside
/// (nested folders inside a class folder belong to that class). A single wrapping top-level folder is allowed.
/// </summary>
public abstract partial class ImportSource : IDisposable
{
    /// <summary>Where the files came from, as shown in the dataset's history.</summary>
    public abstract string Description { get; }

    public abstract IReadOnlyList<SourceFile> Files { get; }

    /// <summary>Class folders that exist in the source, including empty ones.</summary>
    public abstract IReadOnlyList<string> ClassFolders { get; }

    public abstract Task<byte[]> ReadAsync(SourceFile file, long maxBytes, CancellationToken cancellationToken);

    /// <summary>Entries seen but never read (links), each with the reason.</summary>
    public virtual IReadOnlyList<Domain.Datasets.SkippedFile> Refused => [];

    /// <summary>
    /// The dataset's own split, where the source has one (a public dataset's train and test files): each file's
    /// <see cref="Domain.Datasets.Split.Train"/> or <see cref="Domain.Datasets.Split.Test"/>, kept by the import (the
    /// validation images are taken from the train part). Null for sources the importer splits itself.
    /// </summary>
    public virtual IReadOnlyDictionary<string, Domain.Datasets.Split>? OwnSplits => null;

    public static ImportSource Open(string path, ArchiveLimits limits) => Open(path, limits, ImportFormat.Auto);

    /// <summary>Opens <paramref name="path"/> in the given format (or the one its name and contents suggest).</summary>
    public static ImportSource Open(string path, ArchiveLimits limits, ImportFormat format)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(path);
        if (OpenFormat(path, limits, format) is { } formatted)
        {
            return formatted;
        }

        if (Directory.Exists(path))
        {
            return new FolderSource(path);
        }

        if (File.Exists(path))
        {
            if (TarSource.Handles(path))
            {
                return new TarSource(path, limits);
            }

            if (!path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                throw ProblemException.Invalid($"'{path}' is a file but not a .zip archive; import a folder with one sub-folder per class, or a .zip of it");
            }

            return new ZipSource(path, limits);
        }

        throw ProblemException.NotFound($"'{path}' does not exist: give a folder with one sub-folder per class, or a .zip of it");
    }

    /// <summary>Several folders and archives read as one source; their class folders are merged.</summary>
    public static ImportSource Open(IReadOnlyList<string> paths, ArchiveLimits limits) => Open(paths, limits, ImportFormat.Auto);

    /// <summary>Several sources of one format read as one source; their class folders are merged.</summary>
    public static ImportSource Open(IReadOnlyList<string> paths, ArchiveLimits limits, ImportFormat format)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 1)
        {
            return Open(paths[0], limits, format);
        }

        if (paths.Count == 0)
        {
            throw ProblemException.Invalid("nothing to import: give a folder with one sub-folder per class, or a .zip of it");
        }

        var opened = new List<ImportSource>();
        try
        {
            foreach (var path in paths)
            {
                opened.Add(Open(path, limits, format));
            }

            return new CombinedSource(opened);
        }
        catch
        {
            opened.ForEach(s => s.Dispose());
            throw;
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>The class of a file: the first folder of its path, or null when it lies at the top.</summary>
    public static string? ClassOf(string relativePath)
    {
        var slash = relativePath.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 ? null : relativePath[..slash];
    }

    /// <summary>
    /// Whether a path is operating-system clutter rather than data: anything under a <c>__MACOSX</c> folder (the resource
    /// forks macOS adds to the zips it makes), hidden files and folders (<c>.DS_Store</c>, <c>._photo.jpg</c>,
    /// <c>.git</c>), and Windows' <c>Thumbs.db</c> and <c>desktop.ini</c>. Such paths are left out before classes are
    /// read, so they never become a class or a skipped "image".
    /// </summary>
    public static bool IsSystemClutter(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        foreach (var segment in relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            // "." and ".." are not hidden names: escaping entries are refused elsewhere, never quietly dropped.
            if ((segment.StartsWith('.') && segment is not "." and not "..") ||
                segment.Equals("__MACOSX", StringComparison.OrdinalIgnoreCase) ||
                segment.Equals("Thumbs.db", StringComparison.OrdinalIgnoreCase) ||
                segment.Equals("desktop.ini", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // "masks/with_mask/1.jpg" with nothing else at the top: strip the wrapping folder.
    protected static string StripWrapper(IReadOnlyCollection<string> paths, out bool stripped)
    {
        stripped = false;
        var tops = paths.Select(p => p.Split('/')[0]).Distinct(StringComparer.Ordinal).ToList();
        if (tops.Count == 1 && paths.All(p => p.Count(c => c == '/') >= 2))
        {
            stripped = true;
            return tops[0] + "/";
        }

        return "";
    }

    private sealed class CombinedSource : ImportSource
    {
        private readonly List<ImportSource> sources;
        private readonly Dictionary<string, (ImportSource Source, SourceFile File)> owners = new(StringComparer.Ordinal);

        public CombinedSource(List<ImportSource> sources)
        {
            this.sources = sources;
            foreach (var source in sources)
            {
                foreach (var file in source.Files)
                {
                    // The same path in two uploads ("cats/1.jpg" twice) is kept as two files of the same class.
                    var path = file.RelativePath;
                    for (var n = 2; owners.ContainsKey(path); n++)
                    {
                        var name = System.IO.Path.GetFileNameWithoutExtension(file.RelativePath);
                        var folder = file.RelativePath[..^System.IO.Path.GetFileName(file.RelativePath).Length];
                        path = $"{folder}{name} ({n}){System.IO.Path.GetExtension(file.RelativePath)}";
                    }

                    owners[path] = (source, file);
                }
            }

            Files = owners.Select(o => new SourceFile(o.Key, o.Value.File.Length)).OrderBy(f => f.RelativePath, StringComparer.Ordinal).ToList();
            ClassFolders = sources.SelectMany(s => s.ClassFolders).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            Description = string.Join(", ", sources.Select(s => s.Description));
        }

        public override string Description { get; }

        public override IReadOnlyList<SourceFile> Files { get; }

        public override IReadOnlyList<string> ClassFolders { get; }

        public override IReadOnlyList<Domain.Datasets.SkippedFile> Refused => sources.SelectMany(s => s.Refused).ToList();

        public override Task<byte[]> ReadAsync(SourceFile file, long maxBytes, CancellationToken cancellationToken)
        {
            var (source, original) = owners[file.RelativePath];
            return source.ReadAsync(original, maxBytes, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                sources.ForEach(s => s.Dispose());
            }

            base.Dispose(disposing);
        }
    }

    private sealed class FolderSource : ImportSource
    {
        private readonly string root;

        public FolderSource(string path)
        {
            root = Path.GetFullPath(path);
            var all = new List<(string Full, string Relative, long Length)>();
            var refused = new List<Domain.Datasets.SkippedFile>();
            Walk(new DirectoryInfo(root), all, refused);
            var folders = Directory.GetDirectories(root).Where(d => new DirectoryInfo(d).LinkTarget is null).Select(d => Path.GetFileName(d)!).Where(d => !IsSystemClutter(d)).ToList();

            var prefix = StripWrapper(all.Select(a => a.Relative).ToList(), out var stripped);
            if (stripped)
            {
                folders = Directory.GetDirectories(Path.Combine(root, prefix.TrimEnd('/')))
                    .Where(d => new DirectoryInfo(d).LinkTarget is null).Select(d => Path.GetFileName(d)!).Where(d => !IsSystemClutter(d)).ToList();
            }

            ClassFolders = folders.Order(StringComparer.Ordinal).ToList();
            Files = all
                .Select(a => new SourceFile(a.Relative[prefix.Length..], a.Length))
                .OrderBy(f => f.RelativePath, StringComparer.Ordinal)
                .ToList();
            Refused = refused
                .Select(r => r with { Path = r.Path.StartsWith(prefix, StringComparison.Ordinal) ? r.Path[prefix.Length..] : r.Path })
                .ToList();
            this.prefix = prefix;
        }

        public override IReadOnlyList<Domain.Datasets.SkippedFile> Refused { get; }

        // Symbolic links (to files or folders) are never followed: a link planted in an allowed folder must not
        // reach files outside it. Each is reported instead.
        private void Walk(DirectoryInfo folder, List<(string Full, string Relative, long Length)> files, List<Domain.Datasets.SkippedFile> refused)
        {
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = folder.EnumerateFileSystemInfos().ToList();
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }

            foreach (var entry in entries)
            {
                var relative = Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
                if (IsSystemClutter(relative))
                {
                    continue;
                }

                if (entry.LinkTarget is not null)
                {
                    refused.Add(new(relative, "is a symbolic link; links are not followed, copy the file in instead"));
                }
                else if (entry is DirectoryInfo sub)
                {
                    Walk(sub, files, refused);
                }
                else if (entry is FileInfo { Attributes: var attributes } file && (attributes & (FileAttributes.Device | FileAttributes.ReparsePoint)) == 0)
                {
                    files.Add((file.FullName, relative, file.Length));
                }
                else
                {
                    refused.Add(new(relative, "is not a regular file"));
                }
            }
        }

        private readonly string prefix;

        public override string Description => root;

        public override IReadOnlyList<SourceFile> Files { get; }

        public override IReadOnlyList<string> ClassFolders { get; }

        public override Task<byte[]> ReadAsync(SourceFile file, long maxBytes, CancellationToken cancellationToken)
        {
            if (file.Length > maxBytes)
            {
                throw new FileTooLargeException(file.Length, maxBytes);
            }

            var full = Path.Combine(root, prefix + file.RelativePath);
            if (file.Length == 0)
            {
                // Never opened: an empty regular file has nothing to read, and a named pipe would block the import.
                return Task.FromResult(Array.Empty<byte>());
            }

            if (new FileInfo(full).LinkTarget is not null)
            {
                throw new IOException("it became a symbolic link during the import; links are not followed");
            }

            // Read in place: the import's workers already run in parallel, and on Linux an asynchronous file read is a
            // blocking read handed to another pool thread, which only adds a hand-over per image.
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(File.ReadAllBytes(full));
        }
    }

    private sealed class ZipSource : ImportSource
    {
        private readonly ZipArchive archive;
        private readonly Dictionary<string, ZipArchiveEntry> entries;
        private readonly SemaphoreSlim gate = new(1, 1);
        private readonly ArchiveLimits limits;
        private long bytesRead;

        public ZipSource(string path, ArchiveLimits limits)
        {
            Description = Path.GetFullPath(path);
            this.limits = limits;
            try
            {
                ZipDirectory.CheckDeclared(path, limits);
                archive = ZipFile.OpenRead(path);
                CheckArchive(archive, limits, new FileInfo(path).Length);
                var fileEntries = archive.Entries.Where(e => !e.FullName.EndsWith('/') && !IsSystemClutter(Normalize(e.FullName))).ToList();
                var names = fileEntries.Select(e => Normalize(e.FullName)).ToList();
                var prefix = StripWrapper(names, out _);
                entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
                for (var i = 0; i < fileEntries.Count; i++)
                {
                    entries[names[i][prefix.Length..]] = fileEntries[i];
                }

                Files = entries
                    .Select(e => new SourceFile(e.Key, e.Value.Length))
                    .OrderBy(f => f.RelativePath, StringComparer.Ordinal)
                    .ToList();
                // A folder entry ("birds/") names a class even when nothing is inside it, as an empty folder on disk does.
                ClassFolders = archive.Entries
                    .Select(e => (Name: Normalize(e.FullName), IsFolder: e.FullName.EndsWith('/')))
                    .Where(n => !IsSystemClutter(n.Name))
                    .Where(n => n.Name.StartsWith(prefix, StringComparison.Ordinal) && n.Name.Length > prefix.Length)
                    .Select(n => n.IsFolder ? n.Name[prefix.Length..].Split('/')[0] : ClassOf(n.Name[prefix.Length..]))
                    .OfType<string>()
                    .Distinct(StringComparer.Ordinal)
                    .Order(StringComparer.Ordinal)
                    .ToList();
            }
            catch (InvalidDataException e)
            {
                archive?.Dispose();
                throw ProblemException.Invalid($"'{path}' is not a readable .zip archive: {e.Message}");
            }
            catch (ProblemException)
            {
                archive?.Dispose();
                throw;
            }
        }

        public override string Description { get; }

        public override IReadOnlyList<SourceFile> Files { get; }

        public override IReadOnlyList<string> ClassFolders { get; }

        public override async Task<byte[]> ReadAsync(SourceFile file, long maxBytes, CancellationToken cancellationToken)
        {
            // The declared size can lie in a crafted archive, so the read itself is bounded too.
            if (file.Length > maxBytes)
            {
                throw new FileTooLargeException(file.Length, maxBytes);
            }

            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Read in one piece into a buffer of the declared size (the archive's file is read synchronously
                // anyway); an entry that inflates past what it declared is refused, never truncated.
                var buffer = new byte[file.Length];
                using var stream = entries[file.RelativePath].Open();
                var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
                if (read < buffer.Length)
                {
                    throw new InvalidDataException($"it holds {read} bytes, not the {buffer.Length} its header declares");
                }

                if (stream.ReadByte() >= 0)
                {
                    throw new InvalidDataException($"it inflates past the {buffer.Length} bytes its header declares");
                }

                if (Interlocked.Add(ref bytesRead, read) > limits.MaxTotalBytes)
                {
                    throw ProblemException.Invalid(
                        $"the archive inflates to more than {limits.MaxTotalBytes / 1073741824.0:0.#} GiB, the import limit; nothing was imported");
                }

                return buffer;
            }
            finally
            {
                gate.Release();
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                archive.Dispose();
                gate.Dispose();
            }

            base.Dispose(disposing);
        }

        // Entry names become labels and never paths on this machine, but an archive built to escape a folder
        // (zip-slip) is hostile, so it is refused as a whole rather than quietly repaired.
        private static void CheckArchive(ZipArchive archive, ArchiveLimits limits, long archiveBytes)
        {
            if (archive.Entries.Count > limits.MaxEntries)
            {
                throw ProblemException.Invalid(
                    $"the archive has {archive.Entries.Count} entries; the limit is {limits.MaxEntries}; nothing was imported");
            }

            long declared = 0;
            foreach (var entry in archive.Entries)
            {
                if (UnsafePath(entry.FullName) is { } why)
                {
                    throw ProblemException.Invalid(
                        $"archive entry '{Printable(entry.FullName)}' {why}; nothing was imported");
                }

                declared += entry.Length;
                if (entry.Length > 1048576 && entry.Length / Math.Max(1, entry.CompressedLength) > limits.MaxCompressionRatio)
                {
                    throw ProblemException.Invalid(
                        $"archive entry '{Printable(entry.FullName)}' expands {entry.Length / Math.Max(1, entry.CompressedLength)} times " +
                        $"(limit {limits.MaxCompressionRatio}): it looks like a zip bomb; nothing was imported");
                }
            }

            if (declared > limits.MaxTotalBytes)
            {
                throw ProblemException.Invalid(
                    $"the archive inflates to {declared / 1073741824.0:0.#} GiB; the limit is {limits.MaxTotalBytes / 1073741824.0:0.#} GiB; nothing was imported");
            }

            // Entries that share their compressed data (overlapping entries) pass each entry's own ratio check.
            if (declared > 1048576 && declared / Math.Max(1, archiveBytes) > limits.MaxCompressionRatio)
            {
                throw ProblemException.Invalid(
                    $"the archive's entries expand {declared / Math.Max(1, archiveBytes)} times its {archiveBytes / 1048576.0:0.#} MiB " +
                    $"(limit {limits.MaxCompressionRatio}): it looks like a zip bomb; nothing was imported");
            }
        }

        internal static string? UnsafePath(string name)
        {
            if (name.Contains('\\', StringComparison.Ordinal))
            {
                return "uses backslashes in its path";
            }

            if (name.StartsWith('/') || (name.Length >= 2 && char.IsAsciiLetter(name[0]) && name[1] == ':'))
            {
                return "has an absolute path";
            }

            if (name.Split('/').Any(part => part == ".."))
            {
                return "points outside the archive ('..')";
            }

            return name.Any(char.IsControl) ? "contains control characters" : null;
        }

        internal static string Printable(string name) =>
            new(name.Select(c => char.IsControl(c) ? '?' : c).Take(200).ToArray());

        internal static string Normalize(string name) =>
            string.Join('/', name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(part => part != "."));
    }
}

/// <summary>A file bigger than the import allows.</summary>
public sealed class FileTooLargeException : Exception
{
    public FileTooLargeException()
    {
    }

    public FileTooLargeException(string message)
        : base(message)
    {
    }

    public FileTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public FileTooLargeException(long bytes, long limit)
        : base($"the file is {bytes / 1048576.0:0.#} MiB or more; the limit is {limit / 1048576.0:0.#} MiB")
    {
    }
}
