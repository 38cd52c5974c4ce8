using System.Net.Sockets;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Remote;

/// <summary>
/// Copies a remote folder over SFTP (SSH.NET) into a staging tree. The server's host key must match the pinned
/// fingerprint; an unknown key is refused (naming its fingerprint) unless the caller accepts any key explicitly.
/// Symbolic links and special files are listed as skipped, never followed.
/// </summary>
internal static class SftpPull
{
    public static async Task PullAsync(
        RemoteAddress address, RemoteCredentials credentials, StagingTree tree, IProgress<ImportProgress>? progress, CancellationToken cancellationToken) =>
        await SessionAsync(address, credentials, tree.ConnectTimeout, async client =>
        {
            await CheckFolderAsync(client, address, cancellationToken).ConfigureAwait(false);
            await WalkAsync(client, address.Path, [], tree, cancellationToken).ConfigureAwait(false);
            var done = 0;
            foreach (var (remote, local, _, shown) in tree.Files)
            {
                var target = tree.Create(local);
                await using (target.ConfigureAwait(false))
                {
                    await client.DownloadFileAsync(remote, target, cancellationToken).ConfigureAwait(false);
                }

                progress?.Report(new ImportProgress(++done, tree.Files.Count, tree.Refused.Count, "downloading " + shown));
            }
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>Connects, signs in and checks that the folder exists, without reading it.</summary>
    public static Task CheckAsync(RemoteAddress address, RemoteCredentials credentials, TimeSpan connectTimeout, CancellationToken cancellationToken) =>
        SessionAsync(address, credentials, connectTimeout, client => CheckFolderAsync(client, address, cancellationToken), cancellationToken);

    private static async Task CheckFolderAsync(SftpClient client, RemoteAddress address, CancellationToken cancellationToken)
    {
        var attributes = await client.GetAttributesAsync(address.Path, cancellationToken).ConfigureAwait(false);
        if (!attributes.IsDirectory)
        {
            throw ProblemException.Invalid($"'{address.Path}' on {address.Host} is a file: give a folder with one sub-folder per class");
        }
    }

    private static async Task SessionAsync(
        RemoteAddress address, RemoteCredentials credentials, TimeSpan connectTimeout, Func<SftpClient, Task> work, CancellationToken cancellationToken)
    {
        var methods = new List<AuthenticationMethod>();
        using var key = credentials.PrivateKey is { Length: > 0 } text ? OpenKey(text, credentials.PrivateKeyPassphrase) : null;
        if (key is not null)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(address.User, key));
        }

        if (credentials.Password is { Length: > 0 } password)
        {
            methods.Add(new PasswordAuthenticationMethod(address.User, password));
        }

        if (methods.Count == 0)
        {
            throw ProblemException.Invalid($"say how '{address.User}' signs in to {address.Host}: a password or a private key");
        }

        var info = new ConnectionInfo(address.Host, address.Port, address.User, [.. methods]) { Timeout = connectTimeout };
        using var client = new SftpClient(info);
        string? refusedKey = null;
        string? pinnedMismatch = null;
        var pinned = Normalise(credentials.HostKey);
        client.HostKeyReceived += (_, e) =>
        {
            var shown = "SHA256:" + e.FingerPrintSHA256;
            if (pinned is not null)
            {
                e.CanTrust = string.Equals(Normalise(shown), pinned, StringComparison.Ordinal);
                pinnedMismatch = e.CanTrust ? null : shown;
            }
            else
            {
                e.CanTrust = credentials.AcceptAnyHostKey;
                refusedKey = e.CanTrust ? null : $"{e.HostKeyName} {shown}";
            }
        };

        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshConnectionException or SshAuthenticationException or SocketException or SshOperationTimeoutException or ProxyException or TimeoutException)
        {
            throw Explain(address, e, refusedKey, pinnedMismatch, credentials.HostKey);
        }

        try
        {
            await work(client).ConfigureAwait(false);
        }
        catch (SftpPathNotFoundException)
        {
            throw ProblemException.NotFound($"'{address.Path}' does not exist on {address.Host} (or '{address.User}' may not see it)");
        }
        catch (SftpPermissionDeniedException e)
        {
            throw ProblemException.Invalid($"{address.Host} refused '{address.User}' access to '{address.Path}': {e.Message}");
        }
        catch (SshConnectionException e)
        {
            throw ProblemException.Invalid($"the connection to {address.Host}:{address.Port} broke during the pull: {e.Message}; nothing was imported");
        }
    }

    private static async Task WalkAsync(SftpClient client, string folder, List<string> segments, StagingTree tree, CancellationToken cancellationToken)
    {
        var entries = new List<Renci.SshNet.Sftp.ISftpFile>();
        await foreach (var entry in client.ListDirectoryAsync(folder, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Name is not ("." or ".."))
            {
                entries.Add(entry);
            }
        }

        foreach (var entry in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            List<string> path = [.. segments, entry.Name];
            if (entry.IsSymbolicLink)
            {
                tree.Refused.Add(new(string.Join('/', path), "a symbolic link: links are never followed"));
            }
            else if (entry.IsDirectory)
            {
                if (path.Count > tree.MaxDepth)
                {
                    tree.Refused.Add(new(string.Join('/', path) + "/", $"more than {tree.MaxDepth} folders deep"));
                    continue;
                }

                await WalkAsync(client, entry.FullName, path, tree, cancellationToken).ConfigureAwait(false);
            }
            else if (entry.IsRegularFile)
            {
                tree.Offer(entry.FullName, path, entry.Length);
            }
            else
            {
                tree.Refused.Add(new(string.Join('/', path), "not a regular file (a device, socket or pipe)"));
            }
        }
    }

    private static PrivateKeyFile OpenKey(string text, string? passphrase)
    {
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
            return string.IsNullOrEmpty(passphrase) ? new PrivateKeyFile(stream) : new PrivateKeyFile(stream, passphrase);
        }
        catch (Exception e) when (e is SshException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw ProblemException.Invalid("the private key cannot be read (an OpenSSH or PEM private key is expected" +
                (string.IsNullOrEmpty(passphrase) ? "; if it has a passphrase, give it" : ", with its passphrase") + "): " + e.Message);
        }
    }

    private static ProblemException Explain(RemoteAddress address, Exception e, string? refusedKey, string? pinnedMismatch, string? pinned)
    {
        var where = $"{address.Host}:{address.Port}";
        if (pinnedMismatch is not null)
        {
            return ProblemException.Invalid(
                $"the host key of {where} is {pinnedMismatch}, not the pinned {pinned}: the server may be impersonated (or its key changed); nothing was read");
        }

        if (refusedKey is not null)
        {
            return ProblemException.Invalid(
                $"the host key of {where} ({refusedKey}) is not known: check it with the server's administrator " +
                $"(ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and pass it as the host key fingerprint (--host-key / \"host_key\"), " +
                "or accept any host key explicitly (--accept-any-host-key / \"accept_any_host_key\") on a network you trust");
        }

        return e switch
        {
            SshAuthenticationException => ProblemException.Invalid($"{where} refused the sign-in of '{address.User}': check the password or private key ({e.Message})"),
            SocketException or SshOperationTimeoutException or TimeoutException or ProxyException =>
                ProblemException.Invalid($"cannot reach {where}: {e.Message}"),
            _ => ProblemException.Invalid($"cannot connect to {where} over SSH: {e.Message}"),
        };
    }

    private static string? Normalise(string? fingerprint)
    {
        if (string.IsNullOrWhiteSpace(fingerprint))
        {
            return null;
        }

        var text = fingerprint.Trim();
        if (text.StartsWith("SHA256:", StringComparison.OrdinalIgnoreCase))
        {
            text = text[7..];
        }

        return text.TrimEnd('=');
    }
}
