using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VisionFactory.Testing;

/// <summary>
/// A throw-away vsftpd (Debian's <c>vsftpd</c>, installed by <c>.ci/run</c>) in standalone mode on a free loopback
/// port, serving <see cref="Root"/> to anonymous users (the <c>ftp</c> account the package creates), with a passive
/// port range of its own. Given a writable folder inside the root, anonymous users may create folders and files in it,
/// as the inbox set up by deploy/ftp-inbox/setup.sh allows its user to (vsftpd refuses a writable anonymous root itself).
/// </summary>
public sealed class VsftpdServer : IDisposable
{
    private readonly TempDirectory folder = new("vf-vsftpd");
    private readonly Process process;

    public VsftpdServer(string root, string? writable = null)
    {
        var uploads = writable is not null;
        Root = root;
        Port = RemoteServerProcess.FreePort();
        var pasv = RemoteServerProcess.FreePort();
        var empty = folder.Combine("empty");
        Directory.CreateDirectory(empty);
        if (writable is not null && !OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(writable);
            File.SetUnixFileMode(writable, (UnixFileMode)0x1FF);
        }

        var config = folder.Combine("vsftpd.conf");
        File.WriteAllText(config, string.Join('\n',
            "listen=YES", "listen_ipv6=NO", "listen_address=127.0.0.1", $"listen_port={Port.ToString(CultureInfo.InvariantCulture)}", "background=NO",
            "anonymous_enable=YES", "no_anon_password=YES", $"anon_root={root}", "ftp_username=ftp", "local_enable=NO",
            $"write_enable={(uploads ? "YES" : "NO")}", $"anon_upload_enable={(uploads ? "YES" : "NO")}", $"anon_mkdir_write_enable={(uploads ? "YES" : "NO")}",
            "anon_umask=022", "allow_writeable_chroot=YES", "pasv_enable=YES", "pasv_address=127.0.0.1",
            $"pasv_min_port={pasv.ToString(CultureInfo.InvariantCulture)}", $"pasv_max_port={pasv.ToString(CultureInfo.InvariantCulture)}",
            $"secure_chroot_dir={empty}", "seccomp_sandbox=NO", "isolate=NO", "isolate_network=NO", "xferlog_enable=NO", "hide_ids=YES", "") );
        process = RemoteServerProcess.Start("/usr/sbin/vsftpd", [config], "vsftpd (apt-get install vsftpd)");
        RemoteServerProcess.WaitForPort(process, Port, "vsftpd");
    }

    public string Root { get; }

    public int Port { get; }

    /// <summary>ftp://127.0.0.1:port + <paramref name="path"/>.</summary>
    public string Url(string path) => $"ftp://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}{path}";

    public void Dispose()
    {
        RemoteServerProcess.Stop(process);
        folder.Dispose();
    }
}

/// <summary>
/// A throw-away OpenSSH server (Debian's <c>openssh-server</c>, installed by <c>.ci/run</c>):
/// <c>sshd -D -f &lt;temp config&gt; -p &lt;port&gt;</c> on loopback with a host key made for it and one authorized
/// client key (<see cref="ClientKeyPath"/>) for the user running the tests; SFTP through internal-sftp.
/// </summary>
public sealed class SshdServer : IDisposable
{
    private readonly TempDirectory folder = new("vf-sshd");
    private readonly Process process;

    public SshdServer()
    {
        Port = RemoteServerProcess.FreePort();
        var hostKey = folder.Combine("host_ed25519");
        ClientKeyPath = folder.Combine("client_ed25519");
        OtherKeyPath = folder.Combine("other_ed25519");
        RemoteServerProcess.Run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "vf-test-host", "-f", hostKey]);
        RemoteServerProcess.Run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "vf-test-client", "-f", ClientKeyPath]);
        RemoteServerProcess.Run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "vf-test-other", "-f", OtherKeyPath]);
        HostKeyFingerprint = RemoteServerProcess.Run("/usr/bin/ssh-keygen", ["-l", "-f", hostKey + ".pub"]).Split(' ')[1];
        File.Copy(ClientKeyPath + ".pub", folder.Combine("authorized_keys"));

        // sshd wants its privilege separation folder, and refuses keys readable by others.
        Directory.CreateDirectory("/run/sshd");
        var config = folder.Combine("sshd_config");
        File.WriteAllText(config, string.Join('\n',
            "ListenAddress 127.0.0.1", $"HostKey {hostKey}", $"PidFile {folder.Combine("sshd.pid")}", $"AuthorizedKeysFile {folder.Combine("authorized_keys")}",
            "StrictModes no", "PubkeyAuthentication yes", "PasswordAuthentication no", "KbdInteractiveAuthentication no", "PermitRootLogin prohibit-password",
            "UsePAM no", "Subsystem sftp internal-sftp", "LogLevel ERROR", ""));
        process = RemoteServerProcess.Start("/usr/sbin/sshd", ["-D", "-e", "-f", config, "-p", Port.ToString(CultureInfo.InvariantCulture)], "sshd (apt-get install openssh-server)");
        RemoteServerProcess.WaitForPort(process, Port, "sshd");
    }

    public int Port { get; }

    /// <summary>The user the key signs in as: whoever runs the tests.</summary>
    public static string User => Environment.UserName;

    /// <summary>The authorized private key (OpenSSH format, no passphrase).</summary>
    public string ClientKeyPath { get; }

    /// <summary>A private key the server does not know.</summary>
    public string OtherKeyPath { get; }

    /// <summary>The host key's fingerprint as <c>ssh-keygen -lf</c> prints it: <c>SHA256:...</c>.</summary>
    public string HostKeyFingerprint { get; }

    /// <summary>sftp://user@127.0.0.1:port + <paramref name="path"/>.</summary>
    public string Url(string path) => $"sftp://{User}@127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}{path}";

    public void Dispose()
    {
        RemoteServerProcess.Stop(process);
        folder.Dispose();
    }
}

internal static class RemoteServerProcess
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static Process Start(string program, string[] arguments, string install)
    {
        if (!File.Exists(program))
        {
            throw new InvalidOperationException($"{program} is missing: {install}");
        }

        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        arguments.ToList().ForEach(start.ArgumentList.Add);
        var process = Process.Start(start)!;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }

    public static void WaitForPort(Process process, int port, string name)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with {process.ExitCode} at start");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        Stop(process);
        throw new TimeoutException($"{name} did not listen on port {port} within 10 s");
    }

    public static string Run(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        arguments.ToList().ForEach(start.ArgumentList.Add);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {error}");
    }

    public static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }
}
