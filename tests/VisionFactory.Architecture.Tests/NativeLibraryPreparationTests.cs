using System.Reflection;
using System.Runtime.CompilerServices;
using static VisionFactory.Architecture.Tests.ProductAssemblies;

namespace VisionFactory.Architecture.Tests;

public sealed class NativeLibraryPreparationTests
{
    /// <summary>
    /// Every product assembly that can make a tensor prepares TorchSharp's native library from its module initializer,
    /// so no command, endpoint or job can reach its first tensor without it (the quick start's vf predict once did).
    /// </summary>
    [Fact]
    public void EveryAssemblyThatUsesTorchSharpPreparesTheNativeLibraryInItsModuleInitializer()
    {
        var usingTorch = ByProject.Values.Where(a => ReferencesOf(a).Any(r => r is "TorchSharp" or "TorchVision")).ToList();

        Assert.Contains(usingTorch, a => ProjectOf(a) == Project.Learning);
        foreach (var assembly in usingTorch)
        {
            var initializers = assembly.GetTypes()
                .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public))
                .Where(m => m.IsDefined(typeof(ModuleInitializerAttribute), inherit: false))
                .ToList();
            Assert.True(initializers.Count > 0, $"{ProjectOf(assembly)} uses TorchSharp but has no module initializer preparing its native library");
        }
    }
}
