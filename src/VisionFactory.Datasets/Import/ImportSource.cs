using System.IO.Compression;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Import;

/// <summary>One file offered by an import source, located by its path inside the source.</summary>
public sealed record SourceFile(string RelativePath, long Length);

/// <summary>
/// A folder or a .zip archive in the ImageFolder layout: one sub-folder per class, images inside
/// (nested folders inside a class folder belong to that class). A single wrapping top-level folder is allowed.
/// </summary>
public abstract class ImportSource : IDisposable
{
    /// <summary>Where the files came from, as shown in the dataset's history.</summary>
    public abstract string Description { get; }

    public abstract IReadOnlyList<SourceFile> Files { get; }

    /// <summary>Class folders that exist in the source, including empty ones.</summary>
    public abstract IReadOnlyList<string> ClassFolders { get; }

    public abstract Task<byte[]> ReadAsync(SourceFile file, long maxBytes, CancellationToken cancellationToken);

    public static ImportSource Open(string path)
    {
        if (Directory.Exists(path))
        {
            return new FolderSource(path);
        }

        if (File.Exists(path))
        {
            if (!path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                throw ProblemException.Invalid($"'{path}' is a file but not a .zip archive; import a folder with one sub-folder per class, or a .zip of it");
            }

            return new ZipSource(path);
        }

        throw ProblemException.NotFound($"'{path}' does not exist: give a folder with one sub-folder per class, or a .zip of it");
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

    private sealed class FolderSource : ImportSource
    {
        private readonly string root;

        public FolderSource(string path)
        {
            root = Path.GetFullPath(path);
            var all = Directory.EnumerateFiles(root, "*", new EnumerationOptions
                {
                    RecurseSubdirectories = true,
                    IgnoreInaccessible = true,
                    AttributesToSkip = FileAttributes.None,
                })
                .Select(f => (Full: f, Relative: Path.GetRelativePath(root, f).Replace('\\', '/')))
                .ToList();
            var folders = Directory.GetDirectories(root).Select(d => Path.GetFileName(d)!).ToList();

            var prefix = StripWrapper(all.Select(a => a.Relative).ToList(), out var stripped);
            if (stripped)
            {
                folders = Directory.GetDirectories(Path.Combine(root, prefix.TrimEnd('/'))).Select(d => Path.GetFileName(d)!).ToList();
            }

            ClassFolders = folders.Order(StringComparer.Ordinal).ToList();
            Files = all
                .Select(a => new SourceFile(a.Relative[prefix.Length..], new FileInfo(a.Full).Length))
                .OrderBy(f => f.RelativePath, StringComparer.Ordinal)
                .ToList();
            this.prefix = prefix;
        }

        private readonly string prefix;

        public override string Description => root;

        public override IReadOnlyList<SourceFile> Files { get; }

        public override IReadOnlyList<string> ClassFolders { get; }

        public override async Task<byte[]> ReadAsync(SourceFile file, long maxBytes, CancellationToken cancellationToken)
        {
            if (file.Length > maxBytes)
            {
                throw new FileTooLargeException(file.Length, maxBytes);
            }

            return await File.ReadAllBytesAsync(Path.Combine(root, prefix + file.RelativePath), cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class ZipSource : ImportSource
    {
        private readonly ZipArchive archive;
        private readonly Dictionary<string, ZipArchiveEntry> entries;
        private readonly SemaphoreSlim gate = new(1, 1);

        public ZipSource(string path)
        {
            Description = Path.GetFullPath(path);
            try
            {
                archive = ZipFile.OpenRead(path);
                var fileEntries = archive.Entries.Where(e => !e.FullName.EndsWith('/')).ToList();
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
                ClassFolders = archive.Entries
                    .Select(e => Normalize(e.FullName))
                    .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
                    .Select(n => ClassOf(n[prefix.Length..]))
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
                var stream = await entries[file.RelativePath].OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    var buffer = new MemoryStream();
                    var chunk = new byte[81920];
                    int read;
                    while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        if (buffer.Length + read > maxBytes)
                        {
                            throw new FileTooLargeException(buffer.Length + read, maxBytes);
                        }

                        buffer.Write(chunk, 0, read);
                    }

                    return buffer.ToArray();
                }
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

        // Entry names are untrusted: normalise separators and drop "..", "." and rooted parts (zip-slip), since
        // the name is only ever used as a label and never as a path on this machine.
        private static string Normalize(string name) =>
            string.Join('/', name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries)
                .Where(part => part is not "." and not ".."));
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
