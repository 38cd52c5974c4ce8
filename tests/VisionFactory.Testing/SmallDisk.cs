using System.Diagnostics;

namespace VisionFactory.Testing;

/// <summary>
/// A real, small file system (a tmpfs of a few megabytes, mounted with <c>mount -t tmpfs -o size=...</c>) to fill up:
/// a full disk as the kernel reports it (ENOSPC), not a mock. Mounting needs root, which the tests have here and in CI;
/// without it the constructor throws, so a test that needs a full disk fails rather than passing untested.
/// </summary>
public sealed class SmallDisk : IDisposable
{
    public SmallDisk(int megabytes)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vf-small-disk-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path);
        Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", Path);
    }

    /// <summary>The mount point.</summary>
    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Bytes still free on the file system.</summary>
    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Writes a filler file until the disk is full (what another program filling the disk does); returns its path.</summary>
    public string FillUp(string? folder = null)
    {
        var filler = System.IO.Path.Combine(folder ?? Path, "filler-" + Guid.NewGuid().ToString("N")[..8]);
        var chunk = new byte[64 * 1024];
        using var stream = new FileStream(filler, FileMode.CreateNew, FileAccess.Write);
        try
        {
            while (true)
            {
                stream.Write(chunk);
                stream.Flush();
            }
        }
        catch (IOException)
        {
            // ENOSPC: the disk is full now.
        }

        return filler;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Run("umount", "-l", Path);
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // Still busy; a lazy unmount finishes when the last file is closed.
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {errors.Trim()}; the disk-full tests mount a tmpfs and need root (id -u = 0)");
        }
    }
}
