using Onnx;
using VisionFactory.Learning.Zoo;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Weights;

/// <summary>
/// The ImageNet-trained ResNet of NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 (a CNTK export; basic
/// blocks, stage depths [2, 2, 2, 3], ending in the 512-d average pool), imported into <see cref="ResNet"/>.
/// </summary>
/// <remarks>
/// Preprocessing: the network expects <b>BGR</b> channels in <b>0..255</b> minus the 3x224x224 <see cref="ReadMeanImage">mean image</see>
/// (no division by a standard deviation): <c>input = bgr - ResizeMeanImage(mean, size)</c>.
/// The Conv / BatchNormalization initializers map one to one onto torchvision's names, exactly as
/// <c>bench/pytorch_reference.py convert</c> does it: the graph's Conv nodes in order, 1x1 convolutions being the
/// down-sample branches, each batch norm found by its input (the convolution's output).
/// </remarks>
public static class ImageNetResNet18
{
    /// <summary>The input size the network and its mean image were made for.</summary>
    public const int InputSize = 224;

    /// <summary>Name of the mean-image initializer in ResNetPreprocess.onnx.</summary>
    public const string MeanImageInitializer = "MeanImage";

    private static readonly string[] BatchNormSuffixes = ["weight", "bias", "running_mean", "running_var"];

    /// <summary>Stage depths of the packaged network: [2, 2, 2, 3].</summary>
    public static IReadOnlyList<int> StageDepths => ResNet.PackagedStageDepths;

    /// <summary>Builds a [2, 2, 2, 3] <see cref="ResNet"/> with <paramref name="numClasses"/> outputs and loads the ImageNet backbone; the <c>fc</c> head stays freshly initialised.</summary>
    /// <param name="numClasses">Outputs of the new head.</param>
    /// <param name="files">The ONNX files; default <see cref="DnnImageModelFiles.Locate"/>.</param>
    public static ResNet Create(int numClasses, DnnImageModelFiles? files = null)
    {
        files ??= DnnImageModelFiles.Locate();
        var network = new ResNet(numClasses, StageDepths, "ImageNetResNet18");
        try
        {
            LoadBackbone(network, files.ResNet18);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Loads the ONNX backbone into <paramref name="network"/>, all or nothing; its <c>fc</c> head and batch-norm counters keep their values.</summary>
    /// <exception cref="StateDictMismatchException">The network's layout differs (e.g. other stage depths); nothing was loaded.</exception>
    public static void LoadBackbone(nn.Module network, string resNet18OnnxPath)
    {
        ArgumentNullException.ThrowIfNull(network);
        var weights = ReadBackbone(resNet18OnnxPath);
        try
        {
            StateDictLoader.LoadExact(network, weights, IsKeptByTarget);
        }
        finally
        {
            DisposeAll(weights.Values);
        }
    }

    /// <summary>Whether a target key is not part of the import: the classification head and batch-norm step counters.</summary>
    public static bool IsKeptByTarget(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.StartsWith("fc.", StringComparison.Ordinal) || key.EndsWith(".num_batches_tracked", StringComparison.Ordinal);
    }

    /// <summary>Reads ResNet18.onnx as a torchvision-named state dict without <c>fc</c> (102 tensors). The caller owns the tensors.</summary>
    public static Dictionary<string, Tensor> ReadBackbone(string resNet18OnnxPath)
    {
        var model = OnnxInitializerReader.ReadModel(resNet18OnnxPath);
        var initializers = OnnxInitializerReader.ReadInitializers(model);
        try
        {
            var mapped = MapToTorchvisionNames(model.Graph, initializers, StageDepths);
            DisposeAll(initializers.Values.Except(mapped.Values));
            return mapped;
        }
        catch
        {
            DisposeAll(initializers.Values);
            throw;
        }
    }

    /// <summary>
    /// Names the graph's Conv and BatchNormalization initializers after a torchvision basic-block ResNet with
    /// <paramref name="stageDepths"/>. The returned dictionary holds the same tensor objects as <paramref name="initializers"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The graph's convolutions do not fit that layout.</exception>
    public static Dictionary<string, Tensor> MapToTorchvisionNames(
        GraphProto graph, IReadOnlyDictionary<string, Tensor> initializers, IReadOnlyList<int> stageDepths)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(initializers);
        ArgumentNullException.ThrowIfNull(stageDepths);

        var convolutions = graph.Node.Where(n => n.OpType == "Conv").ToList();
        var batchNormAfter = graph.Node.Where(n => n.OpType == "BatchNormalization").ToDictionary(n => n.Input[0], StringComparer.Ordinal);
        var (mainNames, downsampleNames) = ConvolutionNames(stageDepths);
        var main = convolutions.Where(c => Initializer(initializers, c, 1).shape[^1] != 1).ToList();
        var downsample = convolutions.Where(c => Initializer(initializers, c, 1).shape[^1] == 1).ToList();
        if (main.Count != mainNames.Count || downsample.Count != downsampleNames.Count)
        {
            throw new InvalidDataException(
                $"The ONNX graph has {main.Count} 3x3/7x7 and {downsample.Count} 1x1 convolutions; a ResNet with stage depths " +
                $"[{string.Join(", ", stageDepths)}] has {mainNames.Count} and {downsampleNames.Count}.");
        }

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, conv) in mainNames.Zip(main).Concat(downsampleNames.Zip(downsample)))
        {
            if (conv.Input.Count > 2)
                throw new InvalidDataException($"Convolution '{conv.Name}' ({name}) has a bias; torchvision's ResNet convolutions have none.");
            result.Add(name + ".weight", Initializer(initializers, conv, 1));
            if (!batchNormAfter.TryGetValue(conv.Output[0], out var batchNorm))
                throw new InvalidDataException($"No BatchNormalization node reads the output of convolution '{conv.Name}' ({name}).");
            var batchNormName = BatchNormName(name);
            for (var i = 0; i < BatchNormSuffixes.Length; i++)
                result.Add($"{batchNormName}.{BatchNormSuffixes[i]}", Initializer(initializers, batchNorm, i + 1));
        }

        return result;
    }

    /// <summary>Reads the 3x224x224 BGR mean image (0..255 scale) from ResNetPreprocess.onnx. The caller owns the tensor.</summary>
    /// <param name="resNetPreprocessOnnxPath">Default: <see cref="DnnImageModelFiles.Locate"/>.</param>
    public static Tensor ReadMeanImage(string? resNetPreprocessOnnxPath = null)
    {
        var path = resNetPreprocessOnnxPath ?? DnnImageModelFiles.Locate().ResNetPreprocess;
        var model = OnnxInitializerReader.ReadModel(path);
        var proto = model.Graph.Initializer.FirstOrDefault(t => t.Name == MeanImageInitializer)
            ?? throw new InvalidDataException($"'{path}' has no '{MeanImageInitializer}' initializer.");
        using var mean = OnnxInitializerReader.ToTensor(proto);
        if (mean.shape is not ([1, 3, _, _] or [3, _, _]))
            throw new InvalidDataException($"'{MeanImageInitializer}' has shape [{string.Join(", ", mean.shape)}]; expected [1, 3, H, W].");
        return mean.reshape(3, mean.shape[^2], mean.shape[^1]).contiguous();
    }

    /// <summary>The mean image resized to <paramref name="size"/> x <paramref name="size"/> (bilinear, corners not aligned, like PyTorch's <c>interpolate</c>). The caller owns the result.</summary>
    public static Tensor ResizeMeanImage(Tensor meanImage, int size)
    {
        ArgumentNullException.ThrowIfNull(meanImage);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        using var scope = NewDisposeScope();
        var resized = nn.functional.interpolate(
            meanImage.unsqueeze(0), size: [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        return resized.squeeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision's convolution names for a basic-block ResNet: the main path in state-dict order, then the down-sample branches.</summary>
    public static (IReadOnlyList<string> Main, IReadOnlyList<string> Downsample) ConvolutionNames(IReadOnlyList<int> stageDepths)
    {
        ArgumentNullException.ThrowIfNull(stageDepths);
        var main = new List<string> { "conv1" };
        var downsample = new List<string>();
        for (var stage = 0; stage < stageDepths.Count; stage++)
        {
            for (var block = 0; block < stageDepths[stage]; block++)
            {
                var prefix = $"layer{stage + 1}.{block}";
                main.Add(prefix + ".conv1");
                main.Add(prefix + ".conv2");
                if (block == 0 && stage > 0)
                    downsample.Add(prefix + ".downsample.0");
            }
        }

        return (main, downsample);
    }

    private static string BatchNormName(string convolution) =>
        convolution == "conv1" ? "bn1"
        : convolution.EndsWith(".downsample.0", StringComparison.Ordinal) ? convolution[..^1] + "1"
        : convolution[..^"conv1".Length] + "bn" + convolution[^1];

    private static Tensor Initializer(IReadOnlyDictionary<string, Tensor> initializers, NodeProto node, int input) =>
        node.Input.Count > input && initializers.TryGetValue(node.Input[input], out var tensor)
            ? tensor
            : throw new InvalidDataException($"Input {input} of {node.OpType} node '{node.Name}' is not an initializer.");

    private static void DisposeAll(IEnumerable<Tensor> tensors)
    {
        foreach (var tensor in tensors)
            tensor.Dispose();
    }
}
