using System.Reflection;
using System.Runtime.InteropServices;
using NetArchTest.Rules;
using static VisionFactory.Architecture.Tests.ProductAssemblies;

namespace VisionFactory.Architecture.Tests;

/// <summary>The dependency rules of docs/architecture.md, checked on the built assemblies.</summary>
public sealed class ProjectDependencyTests
{
    [Fact]
    public void EveryProjectUnderSrcIsChecked()
    {
        var src = Path.Combine(RepositoryRoot(), "src");
        var unseen = Directory.GetFiles(src, "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetFileNameWithoutExtension(p)!)
            .Where(p => !ByProject.ContainsKey(p))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(
            unseen.Count == 0,
            $"{string.Join(", ", unseen)}: under src/ but not used by vf, so these rules do not see it; reference it from a product project");
    }

    [Fact]
    public void DomainReferencesNoOtherProjectAndNothingBeyondTheBaseClassLibrary()
    {
        var domain = Of(Project.Domain);
        var runtime = RuntimeEnvironment.GetRuntimeDirectory();
        var beyond = ReferencesOf(domain).Where(r => !File.Exists(Path.Combine(runtime, r + ".dll"))).ToList();
        var others = ByProject.Keys.Where(p => p != Project.Domain).ToArray();

        Assert.True(
            beyond.Count == 0,
            $"{Project.Domain} may use only the .NET base class library, but references {string.Join(", ", beyond)}{UsedBy(domain, [.. others, .. beyond])}");
    }

    [Fact]
    public void OnlyLearningReferencesTorchSharp()
    {
        var violations = ByProject
            .Where(p => p.Key != Project.Learning)
            .Select(p => Violation(p.Key, p.Value, r => r.StartsWith("TorchSharp", StringComparison.Ordinal) || r == "TorchVision", "TorchSharp", "TorchVision"))
            .OfType<string>()
            .ToList();

        Assert.True(violations.Count == 0, "only VisionFactory.Learning may use TorchSharp:\n" + string.Join('\n', violations));
    }

    [Fact]
    public void OnlyTheCliReferencesTheServer()
    {
        var violations = ByProject
            .Where(p => p.Key is not (Project.Cli or Project.Server))
            .Select(p => Violation(p.Key, p.Value, r => r == Project.Server, Project.Server))
            .OfType<string>()
            .ToList();

        Assert.True(violations.Count == 0, "only the CLI may use VisionFactory.Server:\n" + string.Join('\n', violations));
    }

    [Fact]
    public void PipelinesAndFactoryDoNotReferenceAspNetCore()
    {
        var violations = new[] { Project.Factory, Project.Pipelines }
            .Select(p => Violation(p, Of(p), IsAspNetCore, "Microsoft.AspNetCore"))
            .OfType<string>()
            .ToList();

        Assert.True(violations.Count == 0, "Factory and Pipelines must run without ASP.NET Core:\n" + string.Join('\n', violations));
    }

    /// <summary>
    /// An assembly of ASP.NET Core. The multipart reader MJPEG cameras are read with is not counted: it ships as a
    /// package of its own (Microsoft.AspNetCore.WebUtilities) and needs no web host.
    /// </summary>
    private static bool IsAspNetCore(string reference) =>
        reference.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal) && reference != "Microsoft.AspNetCore.WebUtilities";

    /// <summary>What <paramref name="project"/> references against the rule, and which of its types use it; null when nothing.</summary>
    private static string? Violation(string project, Assembly assembly, Func<string, bool> forbidden, params string[] namespaces)
    {
        var references = ReferencesOf(assembly).Where(forbidden).ToList();
        return references.Count == 0 ? null : $"{project} references {string.Join(", ", references)}{UsedBy(assembly, namespaces)}";
    }

    private static string UsedBy(Assembly assembly, string[] namespaces)
    {
        var types = Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny(namespaces).GetResult().FailingTypeNames ?? [];
        return types.Count == 0 ? "" : $" (used by {string.Join(", ", types.Order(StringComparer.Ordinal))})";
    }
}
