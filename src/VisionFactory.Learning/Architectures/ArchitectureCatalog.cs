using VisionFactory.Domain;

namespace VisionFactory.Learning.Architectures;

/// <summary>The architectures this installation can train, by name.</summary>
public sealed class ArchitectureCatalog
{
    private readonly Dictionary<string, ArchitectureDefinition> byName;

    public ArchitectureCatalog(IEnumerable<ArchitectureDefinition> architectures)
    {
        byName = architectures.ToDictionary(a => a.Name, StringComparer.Ordinal);
    }

    public static ArchitectureCatalog Default { get; } = new([new ImageNetResNet18Architecture()]);

    public IReadOnlyCollection<ArchitectureDefinition> All => byName.Values;

    /// <summary>The named architecture; an unknown name fails with the closest known names.</summary>
    public ArchitectureDefinition Get(string name)
    {
        if (byName.TryGetValue(name, out var architecture))
        {
            return architecture;
        }

        var closest = byName.Keys
            .OrderBy(k => Levenshtein(k, name))
            .ThenBy(k => k, StringComparer.Ordinal)
            .Take(3);
        throw ProblemException.Invalid($"unknown architecture '{name}'; did you mean {string.Join(", ", closest)}?");
    }

    private static int Levenshtein(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }

        return row[b.Length];
    }
}
