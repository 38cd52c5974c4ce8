using VisionFactory.Domain;

namespace VisionFactory.Datasets.Import;

/// <summary>
/// The folders an administrator allows the server to import from (setting <c>Server:ImportRoots</c>). A path given to
/// the server is resolved with every symbolic link followed, and must then lie inside one of the roots (themselves
/// resolved the same way): <c>..</c>, links and doubled separators cannot lead out. With no roots configured, no
/// server path can be imported (uploads still can).
/// </summary>
public sealed class ImportRoots
{
    private const int MaxLinks = 40;
    private readonly List<string> roots;

    public ImportRoots(IEnumerable<string>? roots)
    {
        this.roots = (roots ?? [])
            .Where(r => !string.IsNullOrWhiteSpace(r))
            .Select(r => Path.TrimEndingDirectorySeparator(RealPath(r)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    public IReadOnlyList<string> Roots => roots;

    /// <summary>The real path of <paramref name="path"/> when it lies inside an allowed root; otherwise a 400 naming the setting.</summary>
    public string Check(string path)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Any(char.IsControl))
        {
            throw ProblemException.Invalid("the path is empty or contains control characters");
        }

        if (!Path.IsPathFullyQualified(path))
        {
            throw ProblemException.Invalid($"'{DisplayPath.Escape(path)}' is not an absolute path; give the full path of a folder or archive on the server");
        }

        if (roots.Count == 0)
        {
            throw ProblemException.Invalid(
                "the server imports no folders of its own until an administrator lists the allowed folders in the setting Server:ImportRoots; upload the files instead");
        }

        var real = RealPath(path);
        if (!roots.Any(root => real == root || real.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            throw ProblemException.Invalid(
                $"'{DisplayPath.Escape(path)}' is outside the folders allowed for server-side imports ({string.Join(", ", roots)}; setting Server:ImportRoots); " +
                "move the files there or upload them");
        }

        return real;
    }

    /// <summary>
    /// The absolute path with every symbolic link in it resolved, as the operating system would walk it: a <c>..</c>
    /// after a link leaves the link's target, not the folder the link sits in. Missing parts are kept as written.
    /// </summary>
    public static string RealPath(string path)
    {
        var links = 0;
        return Resolve(Path.IsPathFullyQualified(path) ? path : Path.GetFullPath(path), ref links);
    }

    private static string Resolve(string absolute, ref int links)
    {
        var root = Path.GetPathRoot(absolute) ?? "/";
        var current = root;
        foreach (var part in absolute[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? root;
                continue;
            }

            var next = Path.Combine(current, part);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                if (++links > MaxLinks)
                {
                    throw ProblemException.Invalid($"'{DisplayPath.Escape(absolute)}' has too many nested symbolic links");
                }

                next = Resolve(Path.IsPathFullyQualified(target) ? target : Path.Combine(current, target), ref links);
            }

            current = next;
        }

        return current;
    }
}
