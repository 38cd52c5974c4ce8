using TorchSharp.PyBridge;
using VisionFactory.Learning.Architectures;

namespace VisionFactory.Testing;

/// <summary>
/// A weights file as torchvision publishes one (a PyTorch zip of an architecture's state dict with an ImageNet head),
/// generated from the zoo's own module with random weights: the test projects that exercise the weights catalogue
/// compile this one file (it needs the Learning project, which VisionFactory.Testing does not reference).
/// </summary>
internal static class GeneratedWeights
{
    /// <summary>The bytes of a freshly generated <c>.pth</c> file for <paramref name="architecture"/>.</summary>
    public static byte[] Pth(string architecture)
    {
        var path = Path.Combine(Path.GetTempPath(), $"vf-generated-{Guid.NewGuid():N}.pth");
        try
        {
            using var module = ArchitectureCatalog.Default.Get(architecture).CreateModule(1000);
            module.save_py(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
