using NetArchTest.Rules;
using static VisionFactory.Architecture.Tests.ProductAssemblies;

namespace VisionFactory.Architecture.Tests;

/// <summary>The settings rule of docs/architecture.md, checked on the built assemblies.</summary>
public sealed class SettingsTests
{
    /// <summary>
    /// The types that may touch configuration: the composition root and its registration code. Every other type takes
    /// its settings as <c>IOptions&lt;T&gt;</c>, bound and validated at start.
    /// </summary>
    private static readonly string[] RegistrationCode =
    [
        "VisionFactory.Server.Hosting.SettingsRegistration", // binds every section to its options class, validated at start
        "VisionFactory.Server.Hosting.ServerRegistration", // hands the host's configuration to SettingsRegistration
        "VisionFactory.Server.Hosting.LoggingDefaults", // adds the log levels as a configuration source
        "VisionFactory.Server.VisionFactoryWebHost", // reads VF_DATA and VF_DATABASE, which decide where the container lives
    ];

    [Fact]
    public void OnlyRegistrationCodeReadsConfiguration()
    {
        var violations = ByProject.Values
            .SelectMany(a => Types.InAssembly(a).ShouldNot().HaveDependencyOn("Microsoft.Extensions.Configuration").GetResult().FailingTypeNames ?? [])
            .Where(t => !RegistrationCode.Any(r => t == r || t.StartsWith(r + "/", StringComparison.Ordinal) || t.StartsWith(r + "+", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(
            violations.Count == 0,
            "only registration code (Server/Hosting/SettingsRegistration) may read configuration; take IOptions<T> of a section bound there instead:\n"
            + string.Join('\n', violations));
    }
}
