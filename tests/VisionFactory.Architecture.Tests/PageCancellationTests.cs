using static VisionFactory.Architecture.Tests.ProductAssemblies;

namespace VisionFactory.Architecture.Tests;

/// <summary>The web UI's cancellation rule of docs/architecture.md, checked on the sources of the pages.</summary>
public sealed class PageCancellationTests
{
    private const string Reason = "CancellationToken.None on purpose";

    /// <summary>
    /// Pages and components pass <c>Closing</c> (ServicePage), cancelled when the page goes away, so nothing they start runs
    /// on for a closed tab. <c>CancellationToken.None</c> stays only where the work must outlive the page, with a comment
    /// saying why ("CancellationToken.None on purpose: ...") on one of the three lines above it.
    /// </summary>
    [Fact]
    public void PagesPassTheirClosingTokenRatherThanCancellationTokenNone()
    {
        var components = Path.Combine(RepositoryRoot(), "src", "VisionFactory.Server", "Components");
        var violations = new List<string>();
        foreach (var file in Directory.EnumerateFiles(components, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".razor", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal)))
        {
            var name = Path.GetRelativePath(components, file).Replace('\\', '/');
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var code = lines[i].Split("//")[0];
                if (code.Contains("CancellationToken.None", StringComparison.Ordinal)
                    && !lines[Math.Max(0, i - 3)..i].Any(l => l.Contains(Reason, StringComparison.Ordinal)))
                {
                    violations.Add($"{name}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }

        Assert.True(
            violations.Count == 0,
            "pass Closing (cancelled when the page goes away), or say on the line above why the work must outlive the page (\"" + Reason + ": ...\"):\n"
            + string.Join('\n', violations));
    }
}
