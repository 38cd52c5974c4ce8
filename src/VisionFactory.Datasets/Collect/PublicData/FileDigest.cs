using System.Security.Cryptography;

namespace VisionFactory.Datasets.Collect.PublicData;

/// <summary>The digest a downloaded file is verified by: SHA-256 where published, else the published MD5.</summary>
public static class FileDigest
{
    /// <summary>
    /// Whether <paramref name="path"/> matches the file's pinned digest (SHA-256 preferred); the digest computed is
    /// returned for the message. A file without a pinned digest is not verified: its SHA-256 is returned for the record.
    /// </summary>
    public static async Task<(bool Matches, string Algorithm, string Actual)> CheckAsync(string path, PublicFile file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            if (file.Sha256 is not null || file.Md5 is null)
            {
                var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
                return (file.Sha256 is null || string.Equals(actual, file.Sha256, StringComparison.OrdinalIgnoreCase), "SHA-256", actual);
            }

            // The datasets' authors and torchvision publish MD5s only. MD5 is used here to recognise the published file
            // (integrity against a damaged or substituted download from that address), not as a signature.
#pragma warning disable CA5351
            var md5 = Convert.ToHexStringLower(await MD5.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
#pragma warning restore CA5351
            return (string.Equals(md5, file.Md5, StringComparison.OrdinalIgnoreCase), "MD5", md5);
        }
    }

    /// <summary>Whether <paramref name="text"/> is <paramref name="digits"/> hexadecimal digits.</summary>
    public static bool IsHex(string text, int digits) =>
        text is not null && text.Length == digits && text.All(Uri.IsHexDigit);
}
