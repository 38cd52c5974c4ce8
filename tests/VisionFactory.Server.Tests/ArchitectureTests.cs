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
