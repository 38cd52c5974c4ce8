using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Remote;

/// <summary>
/// Copies a remote folder over FTP or FTPS into a staging tree with Debian's <c>lftp</c>, run as a child process:
/// no FTP client library is available to the project, <c>FtpWebRequest</c> is obsolete, and the platform never speaks
/// FTP itself. One lftp call lists the tree (<c>find -l</c>), the listing is checked against the limits and every
/// name is made safe, then a second call fetches exactly the planned files to the planned local names, while the
/// bytes reaching the disk are watched. The password reaches lftp through its environment (<c>LFTP_PASSWORD</c>),
/// never on a command line or in a file.
/// </summary>
internal static partial class FtpPull
{
    /// <summary>Where lftp is expected (Debian's package).</summary>
    public const string Lftp = "/usr/bin/lftp";

    /// <summary>Connects, signs in and checks that the folder exists, without reading it.</summary>
    public static async Task CheckAsync(RemoteAddress address, RemoteCredentials credentials, string scratch, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        if (!File.Exists(Lftp))
        {
            throw ProblemException.Invalid("pulling from FTP needs Debian's lftp on the server: apt-get install lftp");
        }

        Directory.CreateDirectory(scratch);
        await RunAsync(address, credentials, connectTimeout, scratch, [$"cd {Quote(address.Path)}"], null, cancellationToken).ConfigureAwait(false);
    }

    public static async Task PullAsync(
        RemoteAddress address, RemoteCredentials credentials, StagingTree tree,
        IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        if (!File.Exists(Lftp))
        {
            throw ProblemException.Invalid("pulling from FTP needs Debian's lftp on the server: apt-get install lftp");
        }

        var root = address.Path.TrimEnd('/');
        var connectTimeout = tree.ConnectTimeout;
        var listing = await RunAsync(address, credentials, connectTimeout, Path.GetDirectoryName(Path.GetFullPath(tree.Root))!, [$"find -l {Quote(address.Path)}"], null, cancellationToken).ConfigureAwait(false);
        var any = false;
        foreach (var line in listing.Split('\n'))
        {
            var match = ListingLine().Match(line.TrimEnd('\r'));
            if (!match.Success)
            {
                continue;
            }

            var path = match.Groups["path"].Value;
            var kind = match.Groups["perm"].Value[0];
            if (kind == 'l')
            {
                var arrow = path.IndexOf(" -> ", StringComparison.Ordinal);
                path = arrow < 0 ? path : path[..arrow];
            }

            if (!path.StartsWith(root + "/", StringComparison.Ordinal) || path.TrimEnd('/') == root)
            {
                continue;
            }

            any = true;
            var relative = path[(root.Length + 1)..].TrimEnd('/');
            var segments = relative.Split('/');
            switch (kind)
            {
                case 'd':
                    if (segments.Length > tree.MaxDepth && segments.Length == tree.MaxDepth + 1)
                    {
                        tree.Refused.Add(new(relative + "/", $"more than {tree.MaxDepth} folders deep"));
                    }

                    break;
                case 'l':
                    tree.Refused.Add(new(relative, "a symbolic link: links are never followed"));
                    break;
                case '-':
                    if (segments.Length - 1 <= tree.MaxDepth)
                    {
                        tree.Offer(path, segments, long.Parse(match.Groups["size"].Value, CultureInfo.InvariantCulture));
                    }

                    break;
                default:
                    tree.Refused.Add(new(relative, "not a regular file (a device, socket or pipe)"));
                    break;
            }
        }

        if (!any)
        {
            throw ProblemException.Invalid($"'{address.Path}' on {address.Host} holds nothing: give a folder with one sub-folder per class");
        }

        foreach (var folder in tree.Files.Select(f => Path.GetDirectoryName(f.Local)!).Distinct(StringComparer.Ordinal))
        {
            Directory.CreateDirectory(folder);
        }

        var gets = tree.Files.Select(f => $"get {Quote(f.Remote)} -o {Quote(f.Local)}").ToList();
        if (gets.Count > 0)
        {
            await RunAsync(address, credentials, connectTimeout, Path.GetDirectoryName(Path.GetFullPath(tree.Root))!, gets, new Watch(tree, progress), cancellationToken).ConfigureAwait(false);
        }

        // A file that grew past its listed size past the one-image limit is not trusted.
        foreach (var (_, local, _, shown) in tree.Files)
        {
            if (File.Exists(local) && new FileInfo(local).Length > tree.MaxFileBytes)
            {
                File.Delete(local);
                tree.Refused.Add(new(shown, $"the file grew past the {StagingTree.Mebibytes(tree.MaxFileBytes)} limit for one image while it was downloaded"));
            }
        }
    }

    // lftp quoting: inside double quotes, a backslash escapes the next character.
    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static async Task<string> RunAsync(
        RemoteAddress address, RemoteCredentials credentials, TimeSpan connectTimeout, string scriptFolder, IReadOnlyList<string> commands, Watch? watch, CancellationToken cancellationToken)
    {
        var seconds = Math.Max(1, (int)connectTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var script = new StringBuilder()
            .AppendLine("set cmd:fail-exit yes")
            .AppendLine("set net:max-retries 1")
            .AppendLine("set net:reconnect-interval-base 1")
            .AppendLine(CultureInfo.InvariantCulture, $"set net:timeout {seconds}")
            .AppendLine("set ftp:passive-mode yes")
            .AppendLine("set xfer:clobber yes")
            .AppendLine(address.Scheme == "ftps" ? "set ftp:ssl-force yes" : "set ftp:ssl-allow yes");
        var site = $"{address.Scheme}://{(address.Host.Contains(':', StringComparison.Ordinal) ? "[" + address.Host + "]" : address.Host)}:{address.Port}";
        script.AppendLine(credentials.Password is { Length: > 0 }
            ? $"open --env-password -u {Quote(address.User)} {Quote(site)}"
            : address.User == "anonymous" ? $"open {Quote(site)}" : $"open -u {Quote(address.User + ",")} {Quote(site)}");
        foreach (var command in commands)
        {
            script.AppendLine(command);
        }

        var scriptFile = Path.Combine(scriptFolder, "lftp-" + Guid.NewGuid().ToString("N") + ".txt");
        await File.WriteAllTextAsync(scriptFile, script.ToString(), cancellationToken).ConfigureAwait(false);
        try
        {
            var start = new ProcessStartInfo(Lftp)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("-f");
            start.ArgumentList.Add(scriptFile);
            start.Environment["LFTP_PASSWORD"] = credentials.Password ?? "";
            start.Environment["HOME"] = Path.GetTempPath();
            using var process = new Process { StartInfo = start };
            try
            {
                process.Start();
            }
            catch (Win32Exception e)
            {
                throw ProblemException.Invalid($"lftp could not be started ({e.Message}): apt-get install lftp");
            }

            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                var exited = process.WaitForExitAsync(cancellationToken);
                while (!exited.IsCompleted)
                {
                    await Task.WhenAny(exited, Task.Delay(200, cancellationToken)).ConfigureAwait(false);
                    watch?.Check();
                }

                await exited.ConfigureAwait(false);
                watch?.Check();
            }
            catch
            {
                Kill(process);
                throw;
            }

            var stdout = await output.ConfigureAwait(false);
            var stderr = await error.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw Explain(address, stderr);
            }

            return stdout;
        }
        finally
        {
            File.Delete(scriptFile);
        }
    }

    private static void Kill(Process process)
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
            // It ended by itself meanwhile.
        }
    }

    private static ProblemException Explain(RemoteAddress address, string stderr)
    {
        var last = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "lftp failed without a message";
        var where = $"{address.Host}:{address.Port}";
        if (last.Contains("Login failed", StringComparison.OrdinalIgnoreCase) || last.Contains(" 530 ", StringComparison.Ordinal))
        {
            return ProblemException.Invalid($"{where} refused the sign-in of '{address.User}': check the user and password ({Detail(last)})");
        }

        if (last.Contains("max-retries exceeded", StringComparison.OrdinalIgnoreCase) || last.Contains("Connection refused", StringComparison.OrdinalIgnoreCase) ||
            last.Contains("not known", StringComparison.OrdinalIgnoreCase) || last.Contains("No route", StringComparison.OrdinalIgnoreCase) ||
            last.Contains("Timeout", StringComparison.OrdinalIgnoreCase) || last.Contains("Not connected", StringComparison.OrdinalIgnoreCase))
        {
            return ProblemException.Invalid($"cannot reach {where}: {Detail(last)}");
        }

        if (last.Contains(" 550 ", StringComparison.Ordinal) || last.Contains("No such file", StringComparison.OrdinalIgnoreCase))
        {
            return ProblemException.NotFound($"'{address.Path}' does not exist on {where} (or '{address.User}' may not see it): {Detail(last)}");
        }

        if (last.Contains("certificate", StringComparison.OrdinalIgnoreCase))
        {
            return ProblemException.Invalid($"the TLS certificate of {where} is not trusted: {Detail(last)}");
        }

        return ProblemException.Invalid($"the FTP pull from {where} failed: {Detail(last)}");
    }

    // "find: Login failed: 530 Login incorrect." -> "Login failed: 530 Login incorrect."
    private static string Detail(string line) => line.IndexOf(": ", StringComparison.Ordinal) is var i and > 0 && i < 12 ? line[(i + 2)..] : line;

    [GeneratedRegex(@"^(?<perm>[-dlcbps][-rwxsStT]{9})\S*\s+\S+\s+(?<size>\d+)\s+\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?\s(?<path>.+)$")]
    private static partial Regex ListingLine();

    // Counts the bytes lftp has written so far, against the limits, and reports progress by files present.
    private sealed class Watch(StagingTree tree, IProgress<ImportProgress>? progress)
    {
        public void Check()
        {
            long bytes = 0;
            var files = 0;
            foreach (var file in new DirectoryInfo(tree.Root).EnumerateFiles("*", SearchOption.AllDirectories))
            {
                bytes += file.Length;
                files++;
            }

            tree.CheckTotal(bytes);
            progress?.Report(new ImportProgress(files, tree.Files.Count, tree.Refused.Count, "downloading"));
        }
    }
}
