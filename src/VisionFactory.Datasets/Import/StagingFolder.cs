using System.Globalization;

namespace VisionFactory.Datasets.Import;

/// <summary>
/// A fresh folder under the data directory's temporary path holding one upload's files while it arrives. Files are
/// written as they come, never whole in memory, each bounded by its own limit and all together by the upload limit;
/// <see cref="Dispose"/> removes the folder with everything in it.
/// </summary>
public sealed class StagingFolder : IDisposable
{
    public StagingFolder(string tempFolder, string prefix, long maxUploadBytes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tempFolder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxUploadBytes);
        MaxUploadBytes = maxUploadBytes;
        Root = Path.Combine(tempFolder, prefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>The most bytes all files of the upload may hold together.</summary>
    public long MaxUploadBytes { get; }

    /// <summary>Bytes written so far, all files together.</summary>
    public long TotalBytes { get; private set; }

    /// <summary>
    /// Writes <paramref name="content"/> to the new file <paramref name="path"/>; past <paramref name="maxBytes"/> it is
    /// refused with <paramref name="tooLarge"/>, and once the upload passes its limit with <paramref name="uploadTooLarge"/>.
    /// </summary>
    public async Task WriteAsync(Stream content, string path, long maxBytes, string tooLarge, string uploadTooLarge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        await using (target.ConfigureAwait(false))
        {
            var buffer = new byte[81920];
            long written = 0;
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                written += read;
                TotalBytes += read;
                if (written > maxBytes)
                {
                    throw new FileTooLargeException(tooLarge);
                }

                if (TotalBytes > MaxUploadBytes)
                {
                    throw new FileTooLargeException(uploadTooLarge);
                }

                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A size for messages: KiB below one MiB, else MiB.</summary>
    public static string Mebibytes(long bytes) => bytes < 1048576
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.#} MiB");

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(Root))
            {
                Directory.Delete(Root, recursive: true);
            }
        }
        catch (IOException)
        {
            // A file still open elsewhere: a leftover in the temporary folder is harmless, a failed request is not.
        }
    }
}
