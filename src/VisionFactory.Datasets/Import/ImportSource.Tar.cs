using System.Formats.Tar;
using System.IO.Compression;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Import;

public abstract partial class ImportSource
{
    /// <summary>
    /// A .tar, .tar.gz or .tgz archive in the ImageFolder layout. Only regular files and folders are accepted: a link,
    /// device or pipe entry refuses the whole archive. A compressed archive is first inflated, within the archive limits,
    /// to a temporary .tar so that each entry is read from its offset; nothing is ever extracted under an entry's name.
    /// </summary>
    private sealed class TarSource : ImportSource
    {
        private readonly string tarPath;
        private readonly string? inflated;
        private readonly Dictionary<string, (long Offset, long Length)> entries = new(StringComparer.Ordinal);

        public TarSource(string path, ArchiveLimits limits)
        {
            Description = Path.GetFullPath(path);
            var compressed = !path.EndsWith(".tar", StringComparison.OrdinalIgnoreCase);
            try
            {
                if (compressed)
                {
                    inflated = Path.Combine(Path.GetTempPath(), $"vf-import-{Guid.NewGuid():N}.tar");
                    Inflate(path, inflated, limits);
                }

                tarPath = inflated ?? path;
                var (allFiles, allFolders) = Scan(tarPath, limits);
                var files = allFiles.Where(f => !IsSystemClutter(f.Name)).ToList();
                var folders = allFolders.Where(f => !IsSystemClutter(f)).ToList();
                var prefix = StripWrapper(files.Select(f => f.Name).ToList(), out _);
                foreach (var (name, offset, length) in files)
                {
                    entries[name[prefix.Length..]] = (offset, length);
                }

                Files = entries.Select(e => new SourceFile(e.Key, e.Value.Length)).OrderBy(f => f.RelativePath, StringComparer.Ordinal).ToList();
                ClassFolders = folders
                    .Where(f => f.StartsWith(prefix, StringComparison.Ordinal) && f.Length > prefix.Length)
                    .Select(f => f[prefix.Length..].Split('/')[0])
                    .Concat(Files.Select(f => ClassOf(f.RelativePath)).OfType<string>())
                    .Distinct(StringComparer.Ordinal)
                    .Order(StringComparer.Ordinal)
                    .ToList();
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
            {
                DeleteInflated();
                throw ProblemException.Invalid($"'{path}' is not a readable tar archive: {e.Message}");
            }
            catch
            {
                DeleteInflated();
                throw;
            }
        }

        public override string Description { get; }

        public override IReadOnlyList<SourceFile> Files { get; }

        public override IReadOnlyList<string> ClassFolders { get; }

        public static bool Handles(string path) =>
            path.EndsWith(".tar", StringComparison.OrdinalIgnoreCase) ||
            path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) ||
            path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

        public override async Task<byte[]> ReadAsync(SourceFile file, long maxBytes, CancellationToken cancellationToken)
        {
            var (offset, length) = entries[file.RelativePath];
            if (length > maxBytes)
            {
                throw new FileTooLargeException(length, maxBytes);
            }

            var stream = new FileStream(tarPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                stream.Position = offset;
                var buffer = new byte[length];
                await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
                return buffer;
            }
        }

        protected override void Dispose(bool disposing)
        {
            DeleteInflated();
            base.Dispose(disposing);
        }

        private static (List<(string Name, long Offset, long Length)> Files, List<string> Folders) Scan(string tarPath, ArchiveLimits limits)
        {
            var files = new List<(string, long, long)>();
            var folders = new List<string>();
            using var stream = File.OpenRead(tarPath);
            using var reader = new TarReader(stream);
            long declared = 0;
            var count = 0;
            while (reader.GetNextEntry() is { } entry)
            {
                if (++count > limits.MaxEntries)
                {
                    throw ProblemException.Invalid($"the archive has more than {limits.MaxEntries} entries; the limit is {limits.MaxEntries}; nothing was imported");
                }

                var name = entry.Name;
                if (ZipSource.UnsafePath(name) is { } why)
                {
                    throw ProblemException.Invalid($"archive entry '{ZipSource.Printable(name)}' {why}; nothing was imported");
                }

                switch (entry.EntryType)
                {
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        declared += entry.Length;
                        if (declared > limits.MaxTotalBytes)
                        {
                            throw ProblemException.Invalid(
                                $"the archive holds more than {limits.MaxTotalBytes / 1073741824.0:0.#} GiB; the limit is {limits.MaxTotalBytes / 1073741824.0:0.#} GiB; nothing was imported");
                        }

                        files.Add((ZipSource.Normalize(name), entry.DataOffset, entry.Length));
                        break;
                    case TarEntryType.Directory:
                        folders.Add(ZipSource.Normalize(name));
                        break;
                    case TarEntryType.GlobalExtendedAttributes:
                        break;
                    case TarEntryType.SymbolicLink:
                        throw ProblemException.Invalid(
                            $"archive entry '{ZipSource.Printable(name)}' is a symbolic link (to '{ZipSource.Printable(entry.LinkName)}'); links are refused; nothing was imported");
                    case TarEntryType.HardLink:
                        throw ProblemException.Invalid(
                            $"archive entry '{ZipSource.Printable(name)}' is a hard link (to '{ZipSource.Printable(entry.LinkName)}'); links are refused; nothing was imported");
                    default:
                        throw ProblemException.Invalid(
                            $"archive entry '{ZipSource.Printable(name)}' is a {entry.EntryType} entry; only files and folders are accepted; nothing was imported");
                }
            }

            return (files, folders);
        }

        // Inflated to at most the archive's byte limit (plus tar headers) and at most the compression ratio limit.
        private static void Inflate(string path, string target, ArchiveLimits limits)
        {
            var compressedBytes = new FileInfo(path).Length;
            var cap = limits.MaxTotalBytes + (limits.MaxEntries * 2048L);
            using var input = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
            var buffer = new byte[81920];
            long written = 0;
            int read;
            while ((read = input.Read(buffer)) > 0)
            {
                written += read;
                if (written > cap)
                {
                    throw ProblemException.Invalid(
                        $"the archive inflates past {cap / 1073741824.0:0.#} GiB, the import limit; nothing was imported");
                }

                if (written > 1048576 && written / compressedBytes > limits.MaxCompressionRatio)
                {
                    throw ProblemException.Invalid(
                        $"the archive expands more than {limits.MaxCompressionRatio} times (limit {limits.MaxCompressionRatio}): it looks like a zip bomb; nothing was imported");
                }

                output.Write(buffer, 0, read);
            }
        }

        private void DeleteInflated()
        {
            if (inflated is not null && File.Exists(inflated))
            {
                File.Delete(inflated);
            }
        }
    }
}
