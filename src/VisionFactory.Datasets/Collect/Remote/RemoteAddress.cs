using System.ComponentModel.DataAnnotations;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Remote;

/// <summary>
/// A folder on a remote server to pull images from: <c>sftp://user@host:port/path</c>, <c>ftp://...</c> or
/// <c>ftps://...</c> (implicit TLS). A password written in the address is taken out of it: <see cref="Display"/>,
/// the form shown and stored, never carries it.
/// </summary>
public sealed record RemoteAddress(string Scheme, string Host, int Port, string User, string Path)
{
    /// <summary>The host as the user wrote it, when <see cref="Host"/> is the address it was resolved to.</summary>
    public string? ShownHost { get; init; }

    /// <summary>Whether <paramref name="source"/> names a remote server rather than a local path.</summary>
    public static bool IsRemote(string? source) =>
        source is not null && (source.StartsWith("sftp://", StringComparison.OrdinalIgnoreCase) ||
                               source.StartsWith("ftp://", StringComparison.OrdinalIgnoreCase) ||
                               source.StartsWith("ftps://", StringComparison.OrdinalIgnoreCase));

    public bool IsSftp => Scheme == "sftp";

    /// <summary>The address without its password, e.g. <c>sftp://ann@host:22/photos</c>.</summary>
    public string Display => $"{Scheme}://{Uri.EscapeDataString(User)}@{(Shown.Contains(':', StringComparison.Ordinal) ? "[" + Shown + "]" : Shown)}:{Port}{Path}";

    private string Shown => ShownHost ?? Host;

    /// <summary>Reads an address; <paramref name="password"/> receives the password written in it, if any.</summary>
    public static RemoteAddress Parse(string address, out string? password)
    {
        ArgumentNullException.ThrowIfNull(address);
        password = null;
        if (!Uri.TryCreate(address.Trim(), UriKind.Absolute, out var uri) || !IsRemote(address.Trim()) || string.IsNullOrEmpty(uri.Host))
        {
            throw ProblemException.Invalid("a remote address looks like sftp://user@host:22/folder, ftp://user@host/folder or ftps://user@host/folder");
        }

        var scheme = uri.Scheme.ToLowerInvariant();
        string? user = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }

        if (string.IsNullOrEmpty(user))
        {
            user = scheme == "sftp"
                ? throw ProblemException.Invalid($"say which user signs in to {uri.Host}: sftp://user@{uri.Host}/folder")
                : "anonymous";
        }

        var path = Uri.UnescapeDataString(uri.AbsolutePath);
        if (path.Any(char.IsControl) || user.Any(char.IsControl))
        {
            throw ProblemException.Invalid("the remote address holds control characters");
        }

        var port = uri.IsDefaultPort || uri.Port <= 0 ? scheme switch { "sftp" => 22, "ftps" => 990, _ => 21 } : uri.Port;
        return new RemoteAddress(scheme, uri.Host.Trim('[', ']'), port, user, path.Length == 0 ? "/" : path);
    }
}

/// <summary>
/// How to sign in to a remote server and how to trust it. Never stored: the job record keeps only
/// <see cref="RemoteAddress.Display"/>.
/// </summary>
/// <param name="Password">The password (SFTP or FTP).</param>
/// <param name="PrivateKey">An OpenSSH or PEM private key, for SFTP.</param>
/// <param name="PrivateKeyPassphrase">The private key's passphrase, if it has one.</param>
/// <param name="HostKey">The SFTP server's host key fingerprint as <c>ssh-keygen -lf</c> prints it (<c>SHA256:...</c>).</param>
/// <param name="AcceptAnyHostKey">Trust whatever host key the SFTP server shows (only on a network you trust).</param>
public sealed record RemoteCredentials(string? Password, string? PrivateKey, string? PrivateKeyPassphrase, string? HostKey, bool AcceptAnyHostKey)
{
    public static RemoteCredentials None { get; } = new(null, null, null, null, false);

    public override string ToString() => "RemoteCredentials (hidden)";
}

/// <summary>Bounds on one pull from a remote server, like those on an uploaded archive.</summary>
public sealed record RemotePullLimits
{
    public static RemotePullLimits Default { get; } = new();

    /// <summary>Files in the remote tree.</summary>
    [Range(1, int.MaxValue)]
    public int MaxFiles { get; init; } = 200_000;

    /// <summary>Bytes of all files together.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxTotalBytes { get; init; } = 32L * 1024 * 1024 * 1024;

    /// <summary>Bytes of one file (larger ones are skipped with the reason).</summary>
    [Range(1L, long.MaxValue)]
    public long MaxFileBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Folder levels below the given folder (deeper ones are skipped).</summary>
    [Range(0, int.MaxValue)]
    public int MaxDepth { get; init; } = 8;

    /// <summary>The whole pull, listing and downloads.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "10675199.02:48:05.4775807")]
    public TimeSpan Deadline { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Connecting and signing in.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "10675199.02:48:05.4775807")]
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Pull only from public hosts and <see cref="AllowedRanges"/> (the server: on; the command line: off).</summary>
    public bool PublicHostsOnly { get; init; }

    /// <summary>Internal ranges (CIDR) the server may pull from all the same (<c>Collect:Remote:AllowedRanges</c>).</summary>
    public IReadOnlyList<string> AllowedRanges { get; init; } = [];

    /// <summary>The host policy these limits ask for.</summary>
    public RemoteHostPolicy HostPolicy => PublicHostsOnly ? new RemoteHostPolicy(AllowedRanges) : RemoteHostPolicy.Unrestricted;
}
