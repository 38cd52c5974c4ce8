using VisionFactory.Domain;

namespace VisionFactory.Pipelines.Sources;

/// <summary>Keeps folder and file sources inside the folders an administrator allowed (links resolved first).</summary>
public static class FolderAccess
{
    /// <summary>The full path, after checking that it lies under one of <paramref name="roots"/> (null: anywhere).</summary>
    public static string Check(string path, IReadOnlyList<string>? roots, string setting)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw ProblemException.Invalid($"{setting}: a path is needed");
        }

        var full = Resolve(Path.GetFullPath(path));
        if (roots is null)
        {
            return full;
        }

        if (roots.Count == 0)
        {
            throw ProblemException.Invalid(
                $"{setting}: this server reads no folders for pipelines; an administrator allows folders with the Pipelines:FolderRoots setting, {HowToAllow(full, 0)}");
        }

        foreach (var root in roots.Select(r => Resolve(Path.GetFullPath(r))))
        {
            var prefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
            if (full == root || full.StartsWith(prefix, StringComparison.Ordinal))
            {
                return full;
            }
        }

        throw ProblemException.Invalid(
            $"{setting}: '{path}' is outside the folders pipelines may read ({string.Join(", ", roots)}); an administrator adds it to the Pipelines:FolderRoots setting, {HowToAllow(full, roots.Count)}");
    }

    /// <summary>How an administrator allows a folder, in the two forms configuration takes.</summary>
    private static string HowToAllow(string full, int index)
    {
        var folder = Directory.Exists(full) ? full : Path.GetDirectoryName(full) ?? full;
        return $"e.g. the environment variable Pipelines__FolderRoots__{index}={folder} or \"Pipelines\": {{ \"FolderRoots\": [\"{folder}\"] }} in appsettings.json, then restarts the server";
    }

    // Follows symbolic links along the path, so that a link inside an allowed folder cannot lead out of it.
    private static string Resolve(string full)
    {
        var current = Path.GetPathRoot(full) ?? "/";
        foreach (var part in full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                current = target.FullName;
            }
        }

        return current;
    }
}
