using System.Security.Cryptography;

namespace VisionFactory.Storage.Blobs;

/// <summary>
/// Content-addressed files: a blob's name is the sha256 of its bytes, so identical files are stored once.
/// Writes go to a temporary file that is flushed and renamed, so a crash never leaves half a blob behind.
/// </summary>
public sealed class BlobStore
{
    private readonly string root;
    private readonly string temp;

    public BlobStore(DataDirectory data)
    {
        root = data.BlobsPath;
        temp = data.TempPath;
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(temp);
    }

    public static string Sha256Of(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Stores <paramref name="content"/> and returns its sha256.</summary>
    public string Put(ReadOnlySpan<byte> content) => Put(content, flushToDisk: true);

    /// <summary>
    /// Stores <paramref name="content"/> without waiting for the disk; <see cref="FlushToDisk"/> makes it durable. An
    /// import writes many blobs this way and flushes them together before its version is committed.
    /// </summary>
    public string PutUnflushed(ReadOnlySpan<byte> content) => Put(content, flushToDisk: false);

    /// <summary>Waits until a stored blob is on the disk.</summary>
    public void FlushToDisk(string sha256)
    {
        using var handle = File.OpenHandle(PathOf(sha256), FileMode.Open, FileAccess.ReadWrite);
        RandomAccess.FlushToDisk(handle);
    }

    private string Put(ReadOnlySpan<byte> content, bool flushToDisk)
    {
        var sha = Sha256Of(content);
        var path = PathOf(sha);
        if (File.Exists(path))
        {
            return sha;
        }

        var staging = Path.Combine(temp, sha + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        using (var file = new FileStream(staging, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(content);
            file.Flush(flushToDisk);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Move(staging, path, overwrite: true);
        return sha;
    }

    public bool Exists(string sha256) => File.Exists(PathOf(sha256));

    public byte[] ReadAllBytes(string sha256)
    {
        var path = PathOf(sha256);
        if (!File.Exists(path))
        {
            throw new BlobNotFoundException(sha256);
        }

        return File.ReadAllBytes(path);
    }

    /// <summary>The file path of a stored blob (for readers that want to stream or memory-map it).</summary>
    public string PathOf(string sha256)
    {
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"'{sha256}' is not a sha256 in lower-case hex", nameof(sha256));
        }

        return Path.Combine(root, sha256[..2], sha256[2..4], sha256);
    }
}
