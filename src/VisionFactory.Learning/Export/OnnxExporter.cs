using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Google.Protobuf;
using Onnx;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Architectures;
using static TorchSharp.torch;
using static VisionFactory.Learning.Export.OnnxGraphBuilder;

namespace VisionFactory.Learning.Export;

/// <summary>What an exported file says about the model besides its network.</summary>
/// <param name="Classes">The class names, in logit order.</param>
/// <param name="ModelId">The model's id in this installation, or null.</param>
public sealed record OnnxExportInfo(IReadOnlyList<string> Classes, string? ModelId = null);

/// <summary>
/// Writes a <see cref="ClassifierNetwork"/> as an ONNX model: input <c>image</c>, float32 <c>[N, 3, S, S]</c> raw pixels
/// 0..255 in RGB order (dynamic batch); the graph applies the network's own input preparation (channel flip for BGR
/// networks, scale, mean or mean image, std), so a user only resizes and crops as the metadata says; outputs
/// <c>logits</c> and <c>probabilities</c> (softmax), both <c>[N, classes]</c>. Opset <see cref="Opset"/>.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The ONNX operator set the graphs use: 17 (LayerNormalization is in it; ONNX Runtime 1.32 runs it fully).</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version matching <see cref="Opset"/>.</summary>
    public const int IrVersion = 8;

    public const string InputName = "image";
    public const string LogitsName = "logits";
    public const string ProbabilitiesName = "probabilities";

    /// <summary>Exports <paramref name="network"/>; the network is traced in evaluation mode and left in the mode it had.</summary>
    /// <exception cref="NotSupportedException">The network holds a module type the exporter does not know (named with its path).</exception>
    /// <exception cref="InvalidOperationException">The emitted graph does not compute what the network computes.</exception>
    public static ModelProto Export(ClassifierNetwork network, OnnxExportInfo info)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(info);
        var wasTraining = network.Module.training;
        network.Module.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            return Trace(network, info);
        }
        finally
        {
            if (wasTraining)
                network.Module.train();
        }
    }

    /// <summary>Exports <paramref name="network"/> to an <c>.onnx</c> file.</summary>
    public static void ExportTo(ClassifierNetwork network, OnnxExportInfo info, string path)
    {
        var model = Export(network, info);
        using var file = File.Create(path);
        model.WriteTo(file);
    }

    private static ModelProto Trace(ClassifierNetwork network, OnnxExportInfo info)
    {
        var size = network.ImageSize;
        var graph = new OnnxGraphBuilder();
        var trace = new OnnxTrace(graph);

        using var generator = new TorchSharp.torch.Generator(20231);
        var raw = rand([1, 3, size, size], generator: generator).mul_(255f);
        graph.UniqueName(InputName);
        var x = new Traced(InputName, raw);
        x = Normalise(trace, network.Input, x);

        var logits = trace.Module("", network.Module, x);
        var expected = network.Logits(network.Input.Apply(network.Input.Bgr ? raw.flip(1) : raw));
        var difference = OnnxTrace.MaxRelativeDifference(expected, logits.Value);
        if (!(difference <= OnnxTrace.CheckTolerance))
            throw new InvalidOperationException($"ONNX export of {network.Architecture}: the emitted graph's logits differ from the network's by {difference:E2} (relative)");
        var classes = logits.Shape[^1];
        if (logits.Shape.Length != 2 || classes != info.Classes.Count)
            throw new InvalidOperationException($"ONNX export of {network.Architecture}: logits of shape [{string.Join(", ", logits.Shape)}] for {info.Classes.Count} classes");

        graph.UniqueName(LogitsName);
        graph.UniqueName(ProbabilitiesName);
        graph.Graph.Node.Add(NodeOf("Identity", LogitsName, logits.Name));
        var softmax = NodeOf("Softmax", ProbabilitiesName, LogitsName);
        softmax.Attribute.Add(Int("axis", 1));
        graph.Graph.Node.Add(softmax);
        graph.Graph.Input.Add(FloatValue(InputName, "N", 3, size, size));
        graph.Graph.Output.Add(FloatValue(LogitsName, "N", classes));
        graph.Graph.Output.Add(FloatValue(ProbabilitiesName, "N", classes));

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "VisionFactory",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "",
            DocString = $"{network.Architecture} image classifier: input '{InputName}' float32 [N, 3, {size}, {size}], RGB 0..255; outputs '{LogitsName}' and '{ProbabilitiesName}' [N, {classes}].",
            Graph = graph.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in Metadata(network, info))
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    /// <summary>The metadata every exported model carries, by key.</summary>
    public static IReadOnlyList<(string Key, string Value)> Metadata(ClassifierNetwork network, OnnxExportInfo info)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(info);
        var input = network.Input;
        var perChannelMean = input.Mean.shape[1] == 1 && input.Mean.shape[2] == 1;
        var list = new List<(string, string)>
        {
            ("classes", JsonSerializer.Serialize(info.Classes)),
            ("architecture", network.Architecture),
            ("image_size", network.ImageSize.ToString(CultureInfo.InvariantCulture)),
            ("fit", network.Fit == SquareFit.CenterCrop ? "center-crop" : "stretch"),
            ("input", $"{InputName}: float32 [N, 3, {network.ImageSize}, {network.ImageSize}], RGB, 0..255"),
            ("channel_order", "rgb"),
            ("network_channel_order", input.Bgr ? "bgr" : "rgb"),
            ("scale", input.Scale.ToString("R", CultureInfo.InvariantCulture)),
            ("mean", perChannelMean ? JsonSerializer.Serialize(input.Mean.data<float>().ToArray()) : "mean image (inside the graph)"),
            ("std", input.Std is null ? "none" : JsonSerializer.Serialize(input.Std.data<float>().ToArray())),
            ("preprocessing", "inside the graph: " + (input.Bgr ? "RGB to BGR, " : "") + "x * scale - mean" + (input.Std is null ? "" : ", / std")),
            ("opset", Opset.ToString(CultureInfo.InvariantCulture)),
        };
        if (info.ModelId is not null)
            list.Add(("model_id", info.ModelId));
        return list;
    }

    // The network's input preparation, in the graph: channel flip, scale, mean, std.
    private static Traced Normalise(OnnxTrace trace, InputTransform input, Traced x)
    {
        if (input.Bgr)
        {
            var order = tensor(new long[] { 2, 1, 0 });
            var indices = trace.Constant("input.bgr_order", order);
            x = new(trace.Graph.Node("Gather", "input.bgr", [x.Name, indices.Name], Int("axis", 1)), x.Value.index_select(1, order));
        }

        if (input.Scale != 1f)
            x = trace.Mul("input.scaled", x, trace.Constant("input.scale", tensor(input.Scale)));
        var mean = trace.Constant("input.mean", input.Mean.unsqueeze(0));
        x = new(trace.Graph.Node("Sub", "input.centred", [x.Name, mean.Name]), x.Value.sub(mean.Value));
        if (input.Std is { } std)
        {
            var deviation = trace.Constant("input.std", std.unsqueeze(0));
            x = new(trace.Graph.Node("Div", "input.normalised", [x.Name, deviation.Name]), x.Value.div(deviation.Value));
        }

        return x;
    }

    private static NodeProto NodeOf(string opType, string output, string input)
    {
        var node = new NodeProto { OpType = opType, Name = output + "/" + opType };
        node.Input.Add(input);
        node.Output.Add(output);
        return node;
    }
}
