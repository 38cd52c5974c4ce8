using System.Reflection;

namespace VisionFactory.Architecture.Tests;

/// <summary>The assemblies built from <c>src/</c>, found by following references from <c>vf</c>, which uses them all.</summary>
internal static class ProductAssemblies
{
    /// <summary>Each product assembly by the name of its project (vf is the CLI project's assembly name).</summary>
    public static IReadOnlyDictionary<string, Assembly> ByProject { get; } = Find();

    public static Assembly Of(string project) => ByProject[project];

    /// <summary>The names of the assemblies <paramref name="assembly"/> references.</summary>
    public static IReadOnlyList<string> ReferencesOf(Assembly assembly) =>
        [.. assembly.GetReferencedAssemblies().Select(r => r.Name!).Order(StringComparer.Ordinal)];

    /// <summary>The repository's root folder (the one holding VisionFactory.slnx).</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VisionFactory.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("run the tests from inside the repository");
    }

    public static string ProjectOf(Assembly assembly) => assembly == typeof(Cli.VfApp).Assembly ? Project.Cli : assembly.GetName().Name!;

    private static Dictionary<string, Assembly> Find()
    {
        var found = new Dictionary<string, Assembly>(StringComparer.Ordinal);
        var pending = new Stack<Assembly>([typeof(Cli.VfApp).Assembly]);
        while (pending.TryPop(out var assembly))
        {
            if (!found.TryAdd(ProjectOf(assembly), assembly))
            {
                continue;
            }

            foreach (var reference in assembly.GetReferencedAssemblies().Where(r => r.Name!.StartsWith("VisionFactory.", StringComparison.Ordinal)))
            {
                pending.Push(Assembly.Load(reference));
            }
        }

        return found;
    }
}

/// <summary>Names of the projects under <c>src/</c> that the rules name.</summary>
internal static class Project
{
    public const string Cli = "VisionFactory.Cli";
    public const string Domain = "VisionFactory.Domain";
    public const string Learning = "VisionFactory.Learning";
    public const string Server = "VisionFactory.Server";
    public const string Factory = "VisionFactory.Factory";
    public const string Pipelines = "VisionFactory.Pipelines";
}
