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

    // Blobs that work in flight in this process relies on (an import that found them present or wrote them): they
    // are never deleted while claimed, whoever asks.
    private readonly Dictionary<string, int> claims = new(StringComparer.Ordinal);
    private readonly Lock claimsGate = new();

    public BlobStore(DataDirectory data)
    {
        root = data.BlobsPath;
        temp = data.TempPath;
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(temp);
    }

    /// <summary>The folder holding the blobs.</summary>
    public string RootPath => root;

    /// <summary>
    /// Marks <paramref name="sha256"/> as needed by work in flight until the returned claim is disposed: neither a
    /// failing import nor the garbage collector deletes it meanwhile. Claim before checking <see cref="Exists"/>, so that
    /// a blob found present stays present.
    /// </summary>
    public IDisposable Claim(string sha256)
    {
        lock (claimsGate)
        {
            claims[sha256] = claims.GetValueOrDefault(sha256) + 1;
        }

        return new BlobClaim(this, sha256);
    }

    /// <summary>True when work in flight in this process has claimed <paramref name="sha256"/>.</summary>
    public bool IsClaimed(string sha256)
    {
        lock (claimsGate)
        {
            return claims.ContainsKey(sha256);
        }
    }

    /// <summary>
    /// Deletes <paramref name="sha256"/> unless work in flight claimed it; <paramref name="stillWanted"/> (asked under the
    /// same lock as claims are taken) can keep it too. Returns whether it was deleted.
    /// </summary>
    public bool DeleteUnclaimed(string sha256, Func<string, bool>? stillWanted = null)
    {
        lock (claimsGate)
        {
            if (claims.ContainsKey(sha256) || stillWanted?.Invoke(sha256) == true)
            {
                return false;
            }

            var path = PathOf(sha256);
            if (!File.Exists(path))
            {
                return false;
            }

            File.Delete(path);
            return true;
        }
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
        try
        {
            using (var file = new FileStream(staging, FileMode.CreateNew, FileAccess.Write))
            {
                file.Write(content);
                file.Flush(flushToDisk);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Move(staging, path, overwrite: true);
        }
        catch
        {
            // A full disk (or any failed write) leaves no partial temporary file behind.
            File.Delete(staging);
            throw;
        }

        return sha;
    }

    public bool Exists(string sha256) => File.Exists(PathOf(sha256));

    /// <summary>
    /// Marks a stored blob as just used (its last write time becomes now), so that the garbage collector's grace period
    /// protects it while another process's import that found it present commits; false when it is not stored.
    /// </summary>
    public bool Touch(string sha256)
    {
        try
        {
            File.SetLastWriteTimeUtc(PathOf(sha256), DateTime.UtcNow);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

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

    private void Release(string sha256)
    {
        lock (claimsGate)
        {
            if (claims[sha256] == 1)
            {
                claims.Remove(sha256);
            }
            else
            {
                claims[sha256]--;
            }
        }
    }

    private sealed class BlobClaim(BlobStore store, string sha256) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                store.Release(sha256);
            }
        }
    }
}
