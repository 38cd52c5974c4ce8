using Microsoft.Data.Sqlite;
using Npgsql;
using VisionFactory.Domain;

namespace VisionFactory.Storage.Space;

/// <summary>
/// A full disk as a problem a person can act on: recognised wherever it surfaces (a file write, SQLite's
/// SQLITE_FULL, PostgreSQL's disk_full) and checked up front before large work.
/// </summary>
public static class DiskSpace
{
    // errno ENOSPC on Linux and macOS; .NET puts the raw errno into IOException.HResult on Unix.
    private const int UnixNoSpace = 28;

    // ERROR_HANDLE_DISK_FULL and ERROR_DISK_FULL, in the low word of the HRESULT on Windows.
    private const int WindowsHandleDiskFull = 39;
    private const int WindowsDiskFull = 112;

    private const int SqliteFull = 13;

    private const string PostgresDiskFull = "53100";

    /// <summary>Room kept free beyond what a piece of work is estimated to need (the database and logs grow too).</summary>
    public const long Headroom = 16L * 1024 * 1024;

    /// <summary>True when <paramref name="exception"/> or one of its inner exceptions says the disk is full.</summary>
    public static bool IsDiskFull(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case ProblemException { Kind: ProblemKind.InsufficientStorage }:
                case SqliteException { SqliteErrorCode: SqliteFull }:
                case PostgresException { SqlState: PostgresDiskFull }:
                    return true;
                case IOException io when IsNoSpace(io.HResult):
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(IsDiskFull):
                    return true;
            }
        }

        return false;
    }

    /// <summary>The "not enough space" problem <paramref name="exception"/> stands for, or null when it is something else.</summary>
    public static ProblemException? AsProblem(Exception? exception, string? where = null)
    {
        if (!IsDiskFull(exception))
        {
            return null;
        }

        if (Find(exception) is { } problem)
        {
            return problem;
        }

        return ProblemException.InsufficientStorage(
            $"not enough space on the disk{(where is null ? "" : " holding " + where)}: nothing was stored; free some space " +
            "(or run vf admin gc to reclaim unused files) and try again",
            exception);
    }

    /// <summary>
    /// Throws a "not enough space" problem unless the file system holding <paramref name="path"/> has
    /// <paramref name="bytes"/> plus <see cref="Headroom"/> free.
    /// </summary>
    /// <param name="path">A folder on the file system the work writes to.</param>
    /// <param name="bytes">What the work is estimated to write.</param>
    /// <param name="what">The work, in the user's terms ("the import", "the checkpoint").</param>
    public static void EnsureFree(string path, long bytes, string what)
    {
        var free = FreeBytes(path);
        if (free is { } available && available < bytes + Headroom)
        {
            throw ProblemException.InsufficientStorage(
                $"not enough space for {what}: it needs about {Megabytes(bytes + Headroom)} on the disk holding {path} " +
                $"and {Megabytes(available)} is free; free some space (or run vf admin gc to reclaim unused files) and try again");
        }
    }

    /// <summary>The bytes free to this process on the file system holding <paramref name="path"/>; null when it cannot be read.</summary>
    public static long? FreeBytes(string path)
    {
        try
        {
            var existing = Path.GetFullPath(path);
            while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
            {
                existing = parent;
            }

            return new DriveInfo(existing).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private static ProblemException? Find(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is ProblemException { Kind: ProblemKind.InsufficientStorage } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static bool IsNoSpace(int hresult) => OperatingSystem.IsWindows()
        ? (hresult & 0xFFFF) is WindowsHandleDiskFull or WindowsDiskFull
        : hresult == UnixNoSpace;

    private static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024.0):0.#} MB";
}
