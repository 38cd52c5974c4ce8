using VisionFactory.Datasets.Collect.Remote;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>
/// Pulls from real servers started by the tests: Debian's vsftpd (read through lftp) and OpenSSH's sshd (read through
/// SSH.NET), each serving a small ImageFolder tree with a planted link and an oversized file.
/// </summary>
public sealed class RemotePullTests
{
    [Fact]
    public async Task AnFtpFolderIsPulledThroughVsftpdAndImportedWithLinksAndLargeFilesLeftOut()
    {
        await using var f = await ImportFixture.CreateAsync();
        var root = f.Scratch("ftp-root");
        var photos = Tree(Path.Combine(root, "photos"));
        using var server = new VsftpdServer(root);
        var limits = RemotePullLimits.Default with { MaxFileBytes = 64 * 1024 };

        var version = await RemoteImport.ImportAsync(f.Importer, "ftp-pets", RemoteAddress.Parse(server.Url("/photos"), out var password),
            RemoteCredentials.None with { Password = password }, f.Data.TempPath, limits, ImportOptions.Default, null, CancellationToken.None);

        Assert.Equal(6, version.Import.Imported);
        Assert.Equal(["blue", "red"], version.Classes);
        Assert.Contains(version.Import.Skipped, s => s.Path == "red/passwd.png" && s.Reason.Contains("link", StringComparison.Ordinal));
        Assert.Contains(version.Import.Skipped, s => s.Path == "blue/huge.png" && s.Reason.Contains("limit for one image", StringComparison.Ordinal));
        Assert.Contains(version.Import.Skipped, s => s.Path.StartsWith("red/", StringComparison.Ordinal) && s.Path.Contains("notes", StringComparison.Ordinal));
        Assert.StartsWith("ftp://anonymous@127.0.0.1:", version.Source, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(f.Data.TempPath, "remote-*"));
        Assert.True(Directory.Exists(photos));
    }

    [Fact]
    public async Task FtpErrorsSayWhetherTheServerIsUnreachableTheSignInFailedOrThePathIsMissing()
    {
        await using var f = await ImportFixture.CreateAsync();
        var root = f.Scratch("ftp-errors");
        Tree(Path.Combine(root, "photos"));
        using var server = new VsftpdServer(root);

        var missing = await Assert.ThrowsAsync<ProblemException>(() => PullAsync(f, server.Url("/nothing-here"), null));
        var login = await Assert.ThrowsAsync<ProblemException>(() => PullAsync(f, $"ftp://ann:secret@127.0.0.1:{server.Port}/photos", null));
        var closed = await Assert.ThrowsAsync<ProblemException>(() => PullAsync(f, $"ftp://127.0.0.1:{FreePort()}/photos", null));

        Assert.Equal(ProblemKind.NotFound, missing.Kind);
        Assert.Contains("'/nothing-here' does not exist", missing.Message, StringComparison.Ordinal);
        Assert.Contains("refused the sign-in of 'ann'", login.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", login.Message, StringComparison.Ordinal);
        Assert.Contains("cannot reach 127.0.0.1", closed.Message, StringComparison.Ordinal);
        Assert.Empty(await f.Catalog.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AnSftpFolderIsPulledWithAKeyWhenTheHostKeyIsPinned()
    {
        await using var f = await ImportFixture.CreateAsync();
        var photos = Tree(Path.Combine(f.Scratch("sftp-root"), "photos"));
        using var server = new SshdServer();
        var key = await File.ReadAllTextAsync(server.ClientKeyPath);

        var version = await PullAsync(f, server.Url(photos), RemoteCredentials.None with { PrivateKey = key, HostKey = server.HostKeyFingerprint });

        Assert.Equal(6, version.Import.Imported);
        Assert.Contains(version.Import.Skipped, s => s.Path == "red/passwd.png" && s.Reason.Contains("link", StringComparison.Ordinal));
        Assert.Contains(version.Import.Skipped, s => s.Path == "blue/huge.png");
        Assert.Equal(server.Url(photos), version.Source);
        Assert.Empty(Directory.GetFileSystemEntries(f.Data.TempPath, "remote-*"));
    }

    [Fact]
    public async Task AnUnknownOrDifferentSftpHostKeyIsRefusedUnlessAnyKeyIsAcceptedExplicitly()
    {
        await using var f = await ImportFixture.CreateAsync();
        var photos = Tree(Path.Combine(f.Scratch("sftp-keys"), "photos"));
        using var server = new SshdServer();
        var key = RemoteCredentials.None with { PrivateKey = await File.ReadAllTextAsync(server.ClientKeyPath) };

        var unknown = await Assert.ThrowsAsync<ProblemException>(() => PullAsync(f, server.Url(photos), key));
        var different = await Assert.ThrowsAsync<ProblemException>(() =>
            PullAsync(f, server.Url(photos), key with { HostKey = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }));
        var wrongKey = await Assert.ThrowsAsync<ProblemException>(() => PullAsync(f, server.Url(photos),
            key with { PrivateKey = File.ReadAllText(server.OtherKeyPath), HostKey = server.HostKeyFingerprint }));
        var missing = await Assert.ThrowsAsync<ProblemException>(() => PullAsync(f, server.Url("/no/such/folder"), key with { AcceptAnyHostKey = true }));
        var accepted = await PullAsync(f, server.Url(photos), key with { AcceptAnyHostKey = true });

        Assert.Contains(server.HostKeyFingerprint, unknown.Message, StringComparison.Ordinal);
        Assert.Contains("--host-key", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("--accept-any-host-key", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("not the pinned", different.Message, StringComparison.Ordinal);
        Assert.Contains(server.HostKeyFingerprint, different.Message, StringComparison.Ordinal);
        Assert.Contains("refused the sign-in", wrongKey.Message, StringComparison.Ordinal);
        Assert.Equal(ProblemKind.NotFound, missing.Kind);
        Assert.Equal(6, accepted.Import.Imported);
    }

    private static Task<Domain.Datasets.DatasetVersion> PullAsync(ImportFixture f, string url, RemoteCredentials? credentials)
    {
        var address = RemoteAddress.Parse(url, out var password);
        return RemoteImport.ImportAsync(f.Importer, "remote-" + Guid.NewGuid().ToString("N")[..6], address,
            (credentials ?? RemoteCredentials.None) with { Password = password ?? credentials?.Password },
            f.Data.TempPath, RemotePullLimits.Default with { MaxFileBytes = 64 * 1024, ConnectTimeout = TimeSpan.FromSeconds(5) },
            ImportOptions.Default, null, CancellationToken.None);
    }

    // red: 3 images, a text file and a link to /etc/passwd; blue: 3 images and one file over the 64 KiB limit.
    private static string Tree(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "red"));
        Directory.CreateDirectory(Path.Combine(root, "blue"));
        for (var i = 0; i < 3; i++)
        {
            File.WriteAllBytes(Path.Combine(root, "red", $"r {i}.png"), SyntheticImages.Encode(0, i));
            File.WriteAllBytes(Path.Combine(root, "blue", $"b{i}.png"), SyntheticImages.Encode(1, i));
        }

        File.WriteAllText(Path.Combine(root, "red", "notes.jpg"), "<html>not an image</html>");
        File.CreateSymbolicLink(Path.Combine(root, "red", "passwd.png"), "/etc/passwd");
        File.WriteAllBytes(Path.Combine(root, "blue", "huge.png"), new byte[100 * 1024]);
        return root;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
