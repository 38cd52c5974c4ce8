using NetArchTest.Rules;

namespace VisionFactory.Server.Tests;

public sealed class ArchitectureTests
{
    [Fact]
    public void ServerDoesNotReferenceTorchSharpDirectly()
    {
        // Tensors and native memory belong behind the Factory's services; the web layer only moves requests.
        var result = Types.InAssembly(typeof(VisionFactoryWebHost).Assembly)
            .ShouldNot().HaveDependencyOn("TorchSharp")
            .GetResult();

        Assert.True(result.IsSuccessful, "depends on TorchSharp: " + string.Join(", ", result.FailingTypeNames ?? []));
    }
}

public sealed class NativeLibraryPreparationTests
{
    /// <summary>
    /// Every product assembly that can make a tensor prepares TorchSharp's native library from its module initializer,
    /// so no command, endpoint or job can reach its first tensor without it (the quick start's vf predict once did).
    /// </summary>
    [Fact]
    public void EveryAssemblyThatUsesTorchSharpPreparesTheNativeLibraryInItsModuleInitializer()
    {
        var product = new[] { typeof(VisionFactoryWebHost).Assembly }
            .Concat(typeof(VisionFactoryWebHost).Assembly.GetReferencedAssemblies()
                .Where(a => a.Name!.StartsWith("VisionFactory.", StringComparison.Ordinal))
                .Select(System.Reflection.Assembly.Load))
            .Distinct()
            .ToList();
        var usingTorch = product.Where(a => a.GetReferencedAssemblies().Any(r => r.Name is "TorchSharp" or "TorchVision")).ToList();

        Assert.Contains(usingTorch, a => a.GetName().Name == "VisionFactory.Learning");
        foreach (var assembly in usingTorch)
        {
            var initializers = assembly.GetTypes()
                .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public))
                .Where(m => m.IsDefined(typeof(System.Runtime.CompilerServices.ModuleInitializerAttribute), inherit: false))
                .ToList();
            Assert.True(initializers.Count > 0, $"{assembly.GetName().Name} uses TorchSharp but has no module initializer preparing its native library");
        }
    }
}
