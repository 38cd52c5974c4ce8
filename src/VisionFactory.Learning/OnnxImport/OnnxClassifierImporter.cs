using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Onnx;
using VisionFactory.Domain;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Export;
using VisionFactory.Learning.Inference;

namespace VisionFactory.Learning.OnnxImport;

/// <summary>
/// Checks an ONNX file against the contract of an image classifier and brings it to the platform's own: exactly one
/// image input, float32 <c>[N or dynamic, 3, H, W]</c> with H = W; one output <c>[N, classes]</c> as wide as the labels.
/// A VisionFactory export is recognised by its metadata (its classes, size, fit and the preprocessing inside its graph)
/// and kept as it is. Any other graph gets its input preparation (channel order, scale, mean, std) and a softmax added
/// around it, from what the importer was told; what it was not told and needs is refused, named, in one message.
/// Then a smoke inference on ONNX Runtime proves the result runs and answers probabilities.
/// </summary>
public static class OnnxClassifierImporter
{
    private const int FloatType = (int)TensorProto.Types.DataType.Float;

    /// <summary>Checks and prepares <paramref name="file"/> (the bytes of a .onnx file named <paramref name="name"/>).</summary>
    /// <param name="file">The ONNX model.</param>
    /// <param name="name">Its file name, for messages.</param>
    /// <param name="labels">The class names in output order; null to take them from a VisionFactory export's metadata.</param>
    /// <param name="preparation">What the importer was told about the input.</param>
    /// <param name="cancellationToken">Stops the smoke inference.</param>
    /// <exception cref="ProblemException">The file is not an image classifier this platform can run, or something it needs was not given.</exception>
    public static ImportedOnnxClassifier Import(
        byte[] file, string name, IReadOnlyList<string>? labels, OnnxInputPreparation preparation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(preparation);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(file);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw ProblemException.Invalid($"'{name}' is not an ONNX model: {e.Message}");
        }

        if (model.Graph is not { } graph || graph.Node.Count == 0)
            throw ProblemException.Invalid($"'{name}' is not an ONNX model: it holds no graph");

        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            throw ProblemException.Invalid(
                $"'{name}' has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}); an image classifier takes exactly one, " +
                "an image batch of shape [N, 3, H, W]");
        }

        var input = inputs[0];
        var inputShape = TensorShape(input, FloatType)
            ?? throw ProblemException.Invalid($"'{name}': input '{input.Name}' is not a float32 tensor; an image classifier reads float32 images [N, 3, H, W]");
        if (inputShape.Count != 4 || inputShape[1] != 3)
        {
            throw ProblemException.Invalid(
                $"'{name}': input '{input.Name}' has shape {Describe(inputShape)}; an image classifier reads [N, 3, H, W] (three colour channels first)");
        }

        if (inputShape[0] is > 1)
        {
            throw ProblemException.Invalid(
                $"'{name}': input '{input.Name}' has a fixed batch of {inputShape[0]}; a classifier here reads batches of any size (a dynamic first dimension) or one image (1)");
        }

        var metadata = model.MetadataProps.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        var ownExport = IsOwnExport(model, metadata);
        var outputs = graph.Output.ToList();
        var output = ownExport ? outputs.Single(o => o.Name == OnnxExporter.ProbabilitiesName) : outputs.Count == 1 ? outputs[0] : null;
        if (output is null)
        {
            throw ProblemException.Invalid(
                $"'{name}' has {outputs.Count} outputs ({string.Join(", ", outputs.Select(o => $"'{o.Name}'"))}); an image classifier answers exactly one, " +
                "the scores of each class [N, classes]");
        }

        var outputShape = TensorShape(output, FloatType);
        if (outputShape is not { Count: 2 })
        {
            throw ProblemException.Invalid(
                $"'{name}': output '{output.Name}' has {(outputShape is null ? "no float32 tensor type" : "shape " + Describe(outputShape))}; " +
                "an image classifier answers float32 scores [N, classes]");
        }

        var classes = labels ?? (ownExport ? JsonSerializer.Deserialize<List<string>>(metadata["classes"]) : null)
            ?? throw ProblemException.Invalid(
                $"'{name}' carries no class names: give them in output order with --labels a,b,c or --labels-file labels.json|labels.txt");
        CheckLabels(classes);
        if (outputShape[1] is { } width && width != classes.Count)
        {
            throw ProblemException.Invalid(
                $"'{name}': output '{output.Name}' scores {width} classes, but {classes.Count} labels were given ({string.Join(", ", classes)}); " +
                "give one label per output, in output order");
        }

        ImportedOnnxClassifier prepared = ownExport
            ? OwnExport(file, name, classes, metadata, inputShape, preparation)
            : Foreign(model, name, classes, input, inputShape, output, preparation);
        SmokeTest(prepared, name, cancellationToken);
        return prepared;
    }

    // A graph written by OnnxExporter: input 'image', outputs 'logits' and 'probabilities', normalisation inside.
    private static bool IsOwnExport(ModelProto model, Dictionary<string, string> metadata) =>
        metadata.ContainsKey("classes") && metadata.ContainsKey("image_size") && metadata.ContainsKey("fit")
        && metadata.TryGetValue("preprocessing", out var preprocessing) && preprocessing.StartsWith("inside the graph", StringComparison.Ordinal)
        && model.Graph.Input.Any(i => i.Name == OnnxExporter.InputName)
        && model.Graph.Output.Any(o => o.Name == OnnxExporter.ProbabilitiesName);

    private static ImportedOnnxClassifier OwnExport(
        byte[] file, string name, IReadOnlyList<string> classes, Dictionary<string, string> metadata, List<long?> inputShape, OnnxInputPreparation preparation)
    {
        if (preparation.NamesNormalisation || preparation.Fit is not null)
        {
            throw ProblemException.Invalid(
                $"'{name}' is a VisionFactory export: its metadata says how images are fitted and its graph normalises them itself; " +
                "leave out --mean, --std, --bgr, --input-range and --fit");
        }

        if (!int.TryParse(metadata["image_size"], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size < 1
            || inputShape[2] is { } h && h != size || inputShape[3] is { } w && w != size)
            throw ProblemException.Invalid($"'{name}': its metadata's image_size '{metadata["image_size"]}' does not match its input {Describe(inputShape)}");
        if (preparation.Size is { } asked && asked != size)
            throw ProblemException.Invalid($"'{name}' reads {size} x {size} images (its metadata says so), not --size {asked}");
        var fit = metadata["fit"] == "stretch" ? SquareFit.Stretch : SquareFit.CenterCrop;
        var preprocessing = metadata.GetValueOrDefault("preprocessing", "inside the graph");
        return new ImportedOnnxClassifier(file, classes, size, fit, OwnExport: true, OnnxExporter.InputName, OnnxExporter.ProbabilitiesName, preprocessing);
    }

    private static ImportedOnnxClassifier Foreign(
        ModelProto model, string name, IReadOnlyList<string> classes, ValueInfoProto input, List<long?> inputShape, ValueInfoProto output,
        OnnxInputPreparation preparation)
    {
        // The graph's own names, kept: renaming below changes the value records themselves.
        var (inputName, outputName) = (input.Name, output.Name);
        var missing = new List<string>();
        var size = inputShape[2] is { } h && inputShape[3] is { } w
            ? h == w ? (int)h : throw ProblemException.Invalid($"'{name}': input '{input.Name}' reads {h} x {w} images; only square inputs (H = W) are supported")
            : preparation.Size ?? 0;
        if (size == 0)
            missing.Add("--size (the input's height and width are dynamic)");
        else if (preparation.Size is { } asked && asked != size)
            throw ProblemException.Invalid($"'{name}': input '{input.Name}' reads {size} x {size} images, not --size {asked}");
        if (preparation.Mean is null)
            missing.Add("--mean");
        if (preparation.Std is null)
            missing.Add("--std");
        if (missing.Count > 0)
        {
            throw ProblemException.Invalid(
                $"'{name}' is not a VisionFactory export, so nothing in it says how its input is prepared; give {string.Join(", ", missing)}. " +
                "Mean and std are per channel (R,G,B) in the units of --input-range (1, the default: pixels 0..1; or 255), e.g. " +
                "--mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 for torchvision's ImageNet models, --mean 0,0,0 --std 1,1,1 for none; " +
                "--bgr when the network reads BGR, --fit stretch when pictures are stretched rather than centre-cropped");
        }

        var mean = Triple(preparation.Mean!, "--mean", name);
        var std = Triple(preparation.Std!, "--std", name);
        if (std.Any(s => !(s > 0)))
            throw ProblemException.Invalid("--std must be three positive numbers");
        var range = preparation.InputRange ?? 1;
        if (range is not (1 or 255))
            throw ProblemException.Invalid($"--input-range is 1 (pixels 0..1) or 255 (pixels 0..255), not {range}");
        var bgr = preparation.Bgr ?? false;
        var fit = preparation.Fit ?? SquareFit.CenterCrop;

        var graph = model.Graph;
        var names = NamesIn(graph);
        var network = Fresh(names, "imported.input");
        var scores = Fresh(names, "imported.scores");
        var renames = new Dictionary<string, string>(StringComparer.Ordinal) { [inputName] = network, [outputName] = scores };
        // Names the platform's contract needs free: a graph's own tensor called 'image' or 'probabilities' moves aside.
        foreach (var reserved in (string[])[OnnxExporter.InputName, OnnxExporter.ProbabilitiesName])
        {
            if (names.Contains(reserved) && !renames.ContainsKey(reserved))
                renames[reserved] = Fresh(names, "imported." + reserved);
        }

        Rename(graph, renames);
        graph.Input.Remove(graph.Input.Single(i => i.Name == network));
        graph.Output.Clear();

        var prologue = new List<NodeProto>();
        var x = OnnxExporter.InputName;
        if (bgr)
        {
            var order = Fresh(names, "imported.bgr_order");
            graph.Initializer.Add(Int64s(order, [2, 1, 0], [3]));
            var flipped = Fresh(names, "imported.bgr");
            prologue.Add(Node("Gather", flipped, [x, order], new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 }));
            x = flipped;
        }

        if (range == 1)
        {
            var scale = Fresh(names, "imported.scale");
            graph.Initializer.Add(Floats(scale, [1f / 255f], []));
            var scaled = Fresh(names, "imported.scaled");
            prologue.Add(Node("Mul", scaled, [x, scale]));
            x = scaled;
        }

        // The mean and std are given R, G, B; a BGR network's channels were flipped above, so its constants are too.
        var meanName = Fresh(names, "imported.mean");
        graph.Initializer.Add(Floats(meanName, bgr ? [mean[2], mean[1], mean[0]] : mean, [1, 3, 1, 1]));
        var centred = Fresh(names, "imported.centred");
        prologue.Add(Node("Sub", centred, [x, meanName]));
        var stdName = Fresh(names, "imported.std");
        graph.Initializer.Add(Floats(stdName, bgr ? [std[2], std[1], std[0]] : std, [1, 3, 1, 1]));
        prologue.Add(Node("Div", network, [centred, stdName]));
        for (var i = prologue.Count - 1; i >= 0; i--)
            graph.Node.Insert(0, prologue[i]);

        // A graph that ends in a softmax answers probabilities already; any other answers scores, made probabilities here.
        var producer = graph.Node.LastOrDefault(n => n.Output.Contains(scores));
        var alreadyProbabilities = producer is { OpType: "Softmax", Domain: "" or "ai.onnx" };
        var last = alreadyProbabilities
            ? Node("Identity", OnnxExporter.ProbabilitiesName, [scores])
            : Node("Softmax", OnnxExporter.ProbabilitiesName, [scores], new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(last);

        var batch = inputShape[0] is 1 ? (object)1L : "N";
        graph.Input.Insert(0, Value(OnnxExporter.InputName, batch, 3L, (long)size, (long)size));
        graph.Output.Add(Value(OnnxExporter.ProbabilitiesName, batch, (long)classes.Count));

        var preprocessing = (bgr ? "RGB to BGR, " : "") + (range == 1 ? "x / 255, " : "") +
            $"minus mean [{string.Join(", ", mean.Select(Number))}], divided by std [{string.Join(", ", std.Select(Number))}]" +
            (alreadyProbabilities ? "" : "; softmax over its output");
        foreach (var (key, value) in (IEnumerable<(string, string)>)
            [
                ("classes", JsonSerializer.Serialize(classes)),
                ("image_size", size.ToString(CultureInfo.InvariantCulture)),
                ("fit", fit == SquareFit.Stretch ? "stretch" : "center-crop"),
                ("imported_from", name),
                ("imported_input", inputName),
                ("imported_output", outputName),
                ("imported_preprocessing", "added to the graph: " + preprocessing),
            ])
        {
            if (model.MetadataProps.FirstOrDefault(p => p.Key == key) is { } earlier)
                model.MetadataProps.Remove(earlier);
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return new ImportedOnnxClassifier(model.ToByteArray(), classes, size, fit, OwnExport: false, inputName, outputName, preprocessing);
    }

    // Runs two deterministic pictures through ONNX Runtime as one batch: the graph loads, takes the batch and answers
    // one row of probabilities per picture, as wide as the labels.
    private static void SmokeTest(ImportedOnnxClassifier prepared, string name, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"vf-import-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(path, prepared.Graph);
            float[][] rows;
            try
            {
                using var engine = OnnxClassifierEngine.Open(path);
                var side = prepared.ImageSize;
                byte[][] pictures = [Picture(side, 0), Picture(side, 1)];
                rows = engine.Probabilities(pictures, pictures.Length, cancellationToken);
            }
            catch (Exception e) when (e is InvalidDataException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                throw ProblemException.Invalid($"'{name}' does not run on ONNX Runtime as an image classifier: {e.Message}");
            }

            if (rows.Length != 2 || rows.Any(r => r.Length != prepared.Classes.Count))
            {
                throw ProblemException.Invalid(
                    $"'{name}': its output has {rows.FirstOrDefault()?.Length ?? 0} scores per image, but {prepared.Classes.Count} labels were given; " +
                    "give one label per output, in output order");
            }

            if (rows.Any(r => r.Any(p => !float.IsFinite(p) || p < 0 || p > 1.0001f) || Math.Abs(r.Sum() - 1) > 1e-3))
                throw ProblemException.Invalid($"'{name}': its output on a test picture is not a probability per class ({string.Join(", ", rows[0])})");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] Picture(int side, int seed)
    {
        var rgb = new byte[side * side * 3];
        for (var i = 0; i < rgb.Length; i++)
            rgb[i] = (byte)((((uint)i + (uint)seed * 7919u) * 2654435761u) >> 24);
        return rgb;
    }

    private static void CheckLabels(IReadOnlyList<string> classes)
    {
        if (classes.Count < 2)
            throw ProblemException.Invalid($"a classifier tells at least two classes apart; {classes.Count} label{(classes.Count == 1 ? " was" : "s were")} given");
        if (classes.Any(string.IsNullOrWhiteSpace))
            throw ProblemException.Invalid("a label is empty; give one name per class, in output order");
        var repeated = classes.GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0)
            throw ProblemException.Invalid($"label{(repeated.Count == 1 ? "" : "s")} {string.Join(", ", repeated.Select(r => $"'{r}'"))} given twice; every class needs its own name");
    }

    private static float[] Triple(float[] values, string option, string name) =>
        values.Length == 3 && values.All(float.IsFinite)
            ? values
            : throw ProblemException.Invalid($"{option} takes three numbers (R,G,B) for '{name}', e.g. {option} 0.5,0.5,0.5; {values.Length} were given");

    private static string Number(float value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    // The dimensions of a tensor value of the element type (null: dynamic); null when it is not such a tensor.
    private static List<long?>? TensorShape(ValueInfoProto value, int elementType)
    {
        if (value.Type?.TensorType is not { } tensor || tensor.ElemType != elementType || tensor.Shape is null)
            return null;
        return [.. tensor.Shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue > 0 ? d.DimValue : (long?)null)];
    }

    private static string Describe(IReadOnlyList<long?> shape) =>
        "[" + string.Join(", ", shape.Select(d => d?.ToString(CultureInfo.InvariantCulture) ?? "?")) + "]";

    private static HashSet<string> NamesIn(GraphProto graph)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        names.UnionWith(graph.Input.Select(i => i.Name));
        names.UnionWith(graph.Output.Select(o => o.Name));
        names.UnionWith(graph.Initializer.Select(i => i.Name));
        names.UnionWith(graph.ValueInfo.Select(v => v.Name));
        foreach (var node in graph.Node)
        {
            names.UnionWith(node.Input);
            names.UnionWith(node.Output);
        }

        return names;
    }

    private static string Fresh(HashSet<string> names, string hint)
    {
        var name = hint;
        for (var i = 1; names.Contains(name); i++)
            name = $"{hint}_{i}";
        names.Add(name);
        return name;
    }

    // Renames tensors everywhere the graph (and any sub-graph reading them) refers to them.
    private static void Rename(GraphProto graph, Dictionary<string, string> renames)
    {
        foreach (var node in graph.Node)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (renames.TryGetValue(node.Input[i], out var renamed))
                    node.Input[i] = renamed;
            }

            for (var i = 0; i < node.Output.Count; i++)
            {
                if (renames.TryGetValue(node.Output[i], out var renamed))
                    node.Output[i] = renamed;
            }

            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is { } inner)
                    Rename(inner, renames);
                foreach (var g in attribute.Graphs)
                    Rename(g, renames);
            }
        }

        foreach (var value in graph.Input.Concat(graph.Output).Concat(graph.ValueInfo))
        {
            if (renames.TryGetValue(value.Name, out var renamed))
                value.Name = renamed;
        }

        foreach (var initializer in graph.Initializer)
        {
            if (renames.TryGetValue(initializer.Name, out var renamed))
                initializer.Name = renamed;
        }
    }

    private static NodeProto Node(string opType, string output, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = output + "/" + opType };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static TensorProto Floats(string name, float[] values, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = FloatType };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    private static TensorProto Int64s(string name, long[] values, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(values);
        return tensor;
    }

    private static ValueInfoProto Value(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim is string symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = (long)dim });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType, Shape = shape } },
        };
    }
}
