namespace VisionFactory.Learning.Weights;

/// <summary>
/// The ONNX files of NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, which the Learning project
/// copies to every output folder under <c>DnnImageModels/</c>.
/// </summary>
/// <param name="ResNet18">The network, <c>DnnImageModels/ResNet18Onnx/ResNet18.onnx</c>.</param>
/// <param name="ResNetPreprocess">The preprocessing model holding the mean image, <c>DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx</c>.</param>
public sealed record DnnImageModelFiles(string ResNet18, string ResNetPreprocess)
{
    /// <summary>The network's path relative to the app folder.</summary>
    public const string ResNet18RelativePath = "DnnImageModels/ResNet18Onnx/ResNet18.onnx";

    /// <summary>The preprocessing model's path relative to the app folder.</summary>
    public const string ResNetPreprocessRelativePath = "DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx";

    /// <summary>Finds both files under <paramref name="baseDirectory"/> (default: <see cref="AppContext.BaseDirectory"/>).</summary>
    /// <exception cref="FileNotFoundException">A file is missing; the message says where it was expected and where it comes from.</exception>
    public static DnnImageModelFiles Locate(string? baseDirectory = null)
    {
        var root = baseDirectory ?? AppContext.BaseDirectory;
        return new DnnImageModelFiles(Find(root, ResNet18RelativePath), Find(root, ResNetPreprocessRelativePath));
    }

    private static string Find(string root, string relative)
    {
        var path = Path.GetFullPath(Path.Combine(root, relative));
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException(
                $"The pretrained ResNet file '{path}' is missing. It comes from NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 " +
                "0.23.1 (tools/DnnImageModels/), which the VisionFactory.Learning project downloads and copies to every output " +
                "folder that references it; rebuild the app, or copy the DnnImageModels folder next to it.",
                path);
    }
}
