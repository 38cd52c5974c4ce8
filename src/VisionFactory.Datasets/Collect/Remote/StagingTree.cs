using System.Globalization;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;

namespace VisionFactory.Datasets.Collect.Remote;

/// <summary>
/// The local copy of a remote tree, under the data directory's temporary folder: every remote name is made safe
/// before it becomes a local path (nothing can land outside the folder), and the limits are checked while listing
/// and while writing. What is left out is kept with the reason, for the import's summary.
/// </summary>
internal sealed class StagingTree
{
    private const int MaxNameLength = 200;
    private readonly RemotePullLimits limits;
    private readonly HashSet<string> used = new(StringComparer.Ordinal);
    private long listedBytes;
    private long writtenBytes;

    public StagingTree(string root, RemotePullLimits limits)
    {
        Root = root;
        this.limits = limits;
        Directory.CreateDirectory(root);
    }

    public string Root { get; }

    /// <summary>Folder levels below the pulled folder that are walked.</summary>
    public int MaxDepth => limits.MaxDepth;

    public List<SkippedFile> Refused { get; } = [];

    public List<(string Remote, string Local, long Length, string Shown)> Files { get; } = [];

    /// <summary>
    /// Takes a listed remote file (its path segments below the pulled folder) into the plan, or refuses it with the
    /// reason; throws when the tree is beyond the file or byte limits.
    /// </summary>
    public void Offer(string remote, IReadOnlyList<string> segments, long length)
    {
        var shown = string.Join('/', segments);
        if (segments.Count - 1 > limits.MaxDepth)
        {
            Refused.Add(new SkippedFile(shown, $"more than {limits.MaxDepth} folders deep"));
            return;
        }

        if (length > limits.MaxFileBytes)
        {
            Refused.Add(new SkippedFile(shown, $"the file is {Mebibytes(length)}; the limit for one image is {Mebibytes(limits.MaxFileBytes)}"));
            return;
        }

        if (Files.Count + 1 > limits.MaxFiles)
        {
            throw ProblemException.Invalid($"the remote folder holds more than {limits.MaxFiles:N0} files, the limit for one import; pull a smaller folder; nothing was imported");
        }

        listedBytes += length;
        if (listedBytes > limits.MaxTotalBytes)
        {
            throw ProblemException.Invalid($"the remote folder holds more than {Mebibytes(limits.MaxTotalBytes)}, the limit for one import; pull a smaller folder; nothing was imported");
        }

        var safe = segments.Select(Safe).ToList();
        var local = string.Join('/', safe);
        for (var n = 2; !used.Add(local); n++)
        {
            var last = safe[^1];
            local = string.Join('/', safe.Take(safe.Count - 1).Append(
                string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileNameWithoutExtension(last)} ({n}){Path.GetExtension(last)}")));
        }

        Files.Add((remote, Path.Combine(Root, local), length, shown));
    }

    /// <summary>Opens the local file for a planned download; writes through it are counted against the limits.</summary>
    public Stream Create(string localPath)
    {
        var full = Path.GetFullPath(localPath);
        if (!full.StartsWith(Path.GetFullPath(Root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("a staged path escaped the staging folder");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return new BoundedStream(new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true), this, Path.GetFileName(full));
    }

    /// <summary>One image's byte limit.</summary>
    public long MaxFileBytes => limits.MaxFileBytes;

    /// <summary>Connecting and signing in.</summary>
    public TimeSpan ConnectTimeout => limits.ConnectTimeout;

    /// <summary>Checks the bytes a download tool has written into the tree by itself so far.</summary>
    public void CheckTotal(long bytes)
    {
        if (bytes > limits.MaxTotalBytes)
        {
            throw ProblemException.Invalid($"the remote files came to more than {Mebibytes(limits.MaxTotalBytes)}, the limit for one import; nothing was imported");
        }
    }

    public static string Mebibytes(long bytes) =>
        bytes < 1048576 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB") : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.#} MiB");

    // A remote name as a local file name: no separators, no control characters, no leading dots ("..", hidden files).
    private static string Safe(string name)
    {
        var safe = new string(name.Select(c => char.IsControl(c) || c is '/' or '\\' || Path.GetInvalidFileNameChars().Contains(c) ? '_' : c).ToArray())
            .TrimStart('.').Trim();
        if (safe.Length > MaxNameLength)
        {
            safe = safe[..(MaxNameLength - 10)] + Path.GetExtension(safe)[..Math.Min(10, Path.GetExtension(safe).Length)];
        }

        return safe.Length > 0 ? safe : "_";
    }

    private void Count(long bytes)
    {
        writtenBytes += bytes;
        if (writtenBytes > limits.MaxTotalBytes)
        {
            throw ProblemException.Invalid($"the remote files came to more than {Mebibytes(limits.MaxTotalBytes)}, the limit for one import; nothing was imported");
        }
    }

    // Counts what is written and stops a file that grows past the one-image limit (a listing can understate it).
    private sealed class BoundedStream(FileStream inner, StagingTree tree, string name) : Stream
    {
        private long written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => written;

        public override long Position { get => written; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            Check(count);
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Check(buffer.Length);
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }

        private void Check(int count)
        {
            written += count;
            if (written > tree.limits.MaxFileBytes)
            {
                throw ProblemException.Invalid($"'{name}' grew past the {Mebibytes(tree.limits.MaxFileBytes)} limit for one image while it was downloaded; nothing was imported");
            }

            tree.Count(count);
        }
    }
}
