using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;

namespace VisionFactory.Datasets.Collect.Remote;

/// <summary>
/// Imports a folder of a remote server (SFTP or FTP/FTPS) in the ImageFolder layout (first folder level = class):
/// the tree is copied into a staging folder under the data directory's temporary folder within the pull limits,
/// imported by the <see cref="DatasetImporter"/> like a local folder, and the staging folder is removed whatever the
/// outcome. The version's history shows the address without its password.
/// </summary>
public static class RemoteImport
{
    /// <summary>
    /// Connects, signs in (checking the SFTP host key) and checks that the folder exists, so that a request can be
    /// refused at once with the reason (unreachable, sign-in refused, unknown host key, no such folder).
    /// </summary>
    public static async Task CheckAsync(RemoteAddress address, RemoteCredentials credentials, string tempFolder, RemotePullLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(limits);
        address = await limits.HostPolicy.ResolveAsync(address, cancellationToken).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limits.ConnectTimeout * 2);
        try
        {
            if (address.IsSftp)
            {
                await SftpPull.CheckAsync(address, credentials, limits.ConnectTimeout, deadline.Token).ConfigureAwait(false);
            }
            else
            {
                await FtpPull.CheckAsync(address, credentials, tempFolder, limits.ConnectTimeout, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw ProblemException.Invalid($"cannot reach {address.Host}:{address.Port}: no answer within {limits.ConnectTimeout * 2}");
        }
    }

    public static async Task<DatasetVersion> ImportAsync(
        DatasetImporter importer,
        string dataset,
        RemoteAddress address,
        RemoteCredentials credentials,
        string tempFolder,
        RemotePullLimits limits,
        ImportOptions options,
        IProgress<ImportProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(importer);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(options);
        if (DatasetName.Validate(dataset) is { } problem)
        {
            throw ProblemException.Invalid(problem);
        }

        address = await limits.HostPolicy.ResolveAsync(address, cancellationToken).ConfigureAwait(false);
        var staging = Path.Combine(tempFolder, "remote-" + Guid.NewGuid().ToString("N"));
        try
        {
            var tree = new StagingTree(Path.Combine(staging, "tree"), limits);
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                deadline.CancelAfter(limits.Deadline);
                try
                {
                    var pull = address.IsSftp
                        ? SftpPull.PullAsync(address, credentials, tree, progress, deadline.Token)
                        : FtpPull.PullAsync(address, credentials, tree, progress, deadline.Token);
                    await pull.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw ProblemException.Invalid($"the pull from {address.Host} did not finish within {limits.Deadline}; nothing was imported");
                }
            }

            if (tree.Files.Count == 0)
            {
                throw ProblemException.Invalid($"'{address.Path}' on {address.Host} holds no files that can be imported" +
                    (tree.Refused.Count > 0 ? $" ({tree.Refused.Count} left out, e.g. {tree.Refused[0].Path}: {tree.Refused[0].Reason})" : "") +
                    "; give a folder with one sub-folder per class");
            }

            using var inner = ImportSource.Open(tree.Root, options.Archive, ImportFormat.ImageFolder);
            using var source = new PulledSource(inner, tree.Refused);
            return await importer.ImportFromAsync(dataset, source, address.Display, options, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                if (Directory.Exists(staging))
                {
                    Directory.Delete(staging, recursive: true);
                }
            }
            catch (IOException)
            {
                // A leftover in the temporary folder is harmless; the import's outcome is what matters.
            }
        }
    }

    // The staged folder, plus what the pull left out (links, files over the limit) so that the summary names them.
    private sealed class PulledSource(ImportSource inner, IReadOnlyList<SkippedFile> leftOut) : ImportSource
    {
        public override string Description => inner.Description;

        public override IReadOnlyList<SourceFile> Files => inner.Files;

        public override IReadOnlyList<string> ClassFolders => inner.ClassFolders;

        public override IReadOnlyList<SkippedFile> Refused => [.. leftOut, .. inner.Refused];

        public override Task<byte[]> ReadAsync(SourceFile file, long maxBytes, CancellationToken cancellationToken) =>
            inner.ReadAsync(file, maxBytes, cancellationToken);
    }
}
