using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Datasets;
using VisionFactory.Factory;
using VisionFactory.Imaging;
using VisionFactory.Learning;
using VisionFactory.Storage;

namespace VisionFactory.Architecture.Tests;

/// <summary>The registration rule of docs/architecture.md: each project registers its own services.</summary>
public sealed class RegistrationTests
{
    /// <summary>Each project's <c>Add...</c> below Factory, which calls them all.</summary>
    private static (string Project, Action<IServiceCollection> Register)[] Projects(DataDirectory data) =>
    [
        ("VisionFactory.Storage", s => s.AddVisionFactoryStorage(data)),
        ("VisionFactory.Imaging", s => s.AddVisionFactoryImaging(data.CachePath)),
        ("VisionFactory.Learning", s => s.AddVisionFactoryLearning(data.CachePath)),
        ("VisionFactory.Datasets", s => s.AddVisionFactoryDatasets()),
    ];

    /// <summary>
    /// What Factory's registration may add of other projects besides calling their own: who is asking (a Domain type every
    /// door adds if nobody did) and the pixel source that joins Storage's blobs to Learning's pixels.
    /// </summary>
    private static readonly string[] FactoryGlue = ["VisionFactory.Domain.Users.Caller", "VisionFactory.Learning.Data.PixelSource"];

    [Fact]
    public void EachProjectsRegistrationRegistersOnlyItsOwnTypes()
    {
        // Registering opens nothing; the data directory only names where things would be.
        var root = Path.Combine(Path.GetTempPath(), "vf-architecture-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Check(new DataDirectory(root));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Check(DataDirectory data)
    {
        var violations = new List<string>();
        foreach (var (project, register) in Projects(data))
        {
            var services = new ServiceCollection();
            register(services);
            violations.AddRange(Foreign(services, project, []).Select(t => $"{project}'s registration adds {t}"));
        }

        var factory = new ServiceCollection();
        factory.AddVisionFactory(data);
        var below = new ServiceCollection();
        foreach (var (_, register) in Projects(data))
        {
            register(below);
        }

        var own = factory.Where(d => !below.Any(b => b.ServiceType == d.ServiceType && TypeOf(b) == TypeOf(d))).ToList();
        violations.AddRange(Foreign(own, "VisionFactory.Factory", FactoryGlue).Select(t => $"VisionFactory.Factory's registration adds {t} (register it in its project's Add...)"));

        Assert.True(violations.Count == 0, "a project's Add... registers only its own types:\n" + string.Join('\n', violations));
    }

    private static IEnumerable<string> Foreign(IEnumerable<ServiceDescriptor> services, string project, string[] allowed) =>
        services.Select(TypeOf)
            .Where(t => t.Assembly.GetName().Name is { } name && name.StartsWith("VisionFactory.", StringComparison.Ordinal) && name != project)
            .Select(t => t.FullName!)
            .Where(t => !allowed.Contains(t))
            .Distinct()
            .Order(StringComparer.Ordinal);

    private static Type TypeOf(ServiceDescriptor d) => d.ImplementationType ?? d.ImplementationInstance?.GetType() ?? d.ServiceType;
}
