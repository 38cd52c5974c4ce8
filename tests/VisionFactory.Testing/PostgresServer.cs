using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VisionFactory.Testing;

/// <summary>
/// A throw-away PostgreSQL server on loopback, from Debian's <c>postgresql</c> package (installed by <c>.ci/run</c>):
/// a fresh cluster in a temporary folder, started on a free port and removed on dispose. As root (CI), the server
/// runs as the <c>postgres</c> user, since PostgreSQL refuses to run as root.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private readonly string folder;
    private readonly string binaries;
    private readonly bool asPostgresUser;

    public PostgresServer()
    {
        binaries = FindBinaries();
        asPostgresUser = Environment.UserName == "root";
        folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vf-pg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(folder);
        if (asPostgresUser)
        {
            Run("chown", ["postgres:postgres", folder], asUser: false);
        }

        Port = FreePort();
        var cluster = System.IO.Path.Combine(folder, "cluster");
        Run(System.IO.Path.Combine(binaries, "initdb"), ["-D", cluster, "-U", "vf", "--auth=trust", "--encoding=UTF8", "--no-sync"], asPostgresUser);
        Run(System.IO.Path.Combine(binaries, "pg_ctl"),
            ["-D", cluster, "-l", System.IO.Path.Combine(folder, "server.log"), "-w", "-t", "60", "start",
             "-o", string.Create(CultureInfo.InvariantCulture, $"-p {Port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200")],
            asPostgresUser);
    }

    public int Port { get; }

    /// <summary>A connection string to a new, empty database on this server.</summary>
    public string CreateDatabase()
    {
        var name = "vf_" + Guid.NewGuid().ToString("N")[..10];
        Run(System.IO.Path.Combine(binaries, "createdb"), ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "vf", name], asUser: false);
        return string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username=vf;Database={name};Pooling=true;Maximum Pool Size=20");
    }

    public void Dispose()
    {
        try
        {
            Run(System.IO.Path.Combine(binaries, "pg_ctl"), ["-D", System.IO.Path.Combine(folder, "cluster"), "-m", "immediate", "stop"], asPostgresUser);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Directory.Delete(folder, recursive: true);
    }

    private static string FindBinaries()
    {
        const string Root = "/usr/lib/postgresql";
        var found = Directory.Exists(Root)
            ? Directory.GetDirectories(Root).Select(d => System.IO.Path.Combine(d, "bin")).Where(d => File.Exists(System.IO.Path.Combine(d, "initdb")))
                .OrderDescending(StringComparer.Ordinal).FirstOrDefault()
            : null;
        return found ?? throw new InvalidOperationException(
            "PostgreSQL's server programs were not found under /usr/lib/postgresql: install Debian's postgresql package (.ci/run does)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Run(string program, IReadOnlyList<string> arguments, bool asUser)
    {
        var start = new ProcessStartInfo(asUser ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/tmp",
        };
        if (asUser)
        {
            foreach (var a in (string[])["-u", "postgres", "--", program])
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {error}{output.Result}");
        }
    }
}
