using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Data;

namespace VisionFactory.Learning.Inference;

/// <summary>
/// Classifies with ONNX Runtime on a graph written by <c>OnnxExporter</c>: input <c>image</c> (float32
/// <c>[N, 3, S, S]</c>, RGB 0..255; the graph normalises), output <c>probabilities</c>. The image size and the fit
/// come from the graph's metadata. Loads no TorchSharp.
/// </summary>
public sealed class OnnxClassifierEngine : IClassifierEngine
{
    private const string InputName = "image";
    private const string ProbabilitiesName = "probabilities";
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly Lock gate = new();

    private readonly int maxBatch;

    private OnnxClassifierEngine(InferenceSession session, int imageSize, SquareFit fit, int classes, int maxBatch)
    {
        this.session = session;
        this.maxBatch = maxBatch;
        ImageSize = imageSize;
        Fit = fit;
        ClassCount = classes;
    }

    public ClassifierEngineKind Kind => ClassifierEngineKind.Onnx;

    public int ImageSize { get; }

    public SquareFit Fit { get; }

    /// <summary>Width of the probabilities.</summary>
    public int ClassCount { get; }

    /// <summary>Opens an exported model file; <paramref name="threads"/> intra-op threads (0: one per core).</summary>
    /// <exception cref="InvalidDataException">The file is not a graph with this platform's input and output contract.</exception>
    public static OnnxClassifierEngine Open(string path, int threads = 0)
    {
        OnnxRuntimeEnvironment.Prepare();
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads > 0 ? threads : Environment.ProcessorCount,
            InterOpNumThreads = 1,
        };
        InferenceSession session;
        try
        {
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"'{Path.GetFileName(path)}' is not a model ONNX Runtime can run: {e.Message}", e);
        }

        try
        {
            var metadata = session.ModelMetadata.CustomMetadataMap;
            if (!session.InputMetadata.TryGetValue(InputName, out var input) || input.Dimensions.Length != 4 || input.Dimensions[1] != 3)
                throw new InvalidDataException($"'{Path.GetFileName(path)}' has no input '{InputName}' of shape [N, 3, S, S]");
            if (!session.OutputMetadata.TryGetValue(ProbabilitiesName, out var output) || output.Dimensions.Length != 2)
                throw new InvalidDataException($"'{Path.GetFileName(path)}' has no output '{ProbabilitiesName}' of shape [N, classes]");
            var size = metadata.TryGetValue("image_size", out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : input.Dimensions[2];
            if (size < 1 || input.Dimensions[2] != size || input.Dimensions[3] != size)
                throw new InvalidDataException($"'{Path.GetFileName(path)}' reads {input.Dimensions[2]}x{input.Dimensions[3]} images, not {size}x{size}");
            var fit = metadata.TryGetValue("fit", out var fitText) && fitText == "stretch" ? SquareFit.Stretch : SquareFit.CenterCrop;
            // An imported graph may read one image at a time (a fixed batch of 1); ours read any batch.
            return new OnnxClassifierEngine(session, size, fit, output.Dimensions[1], input.Dimensions[0] == 1 ? 1 : int.MaxValue);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public float[][] Probabilities(IReadOnlyList<byte[]> images, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        batchSize = Math.Min(batchSize, maxBatch);
        var result = new List<float[]>(images.Count);
        for (var start = 0; start < images.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = images.Skip(start).Take(batchSize).ToList();
            var pixels = BatchAssembler.Planar(batch, ImageSize, bgr: false);
            using var input = OrtValue.CreateTensorValueFromMemory(pixels, [batch.Count, 3, ImageSize, ImageSize]);
            float[] values;

            // One run at a time per session keeps the thread count what the session was opened with.
            lock (gate)
            {
                using var outputs = session.Run(runOptions, [InputName], [input], [ProbabilitiesName]);
                values = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            }

            var width = values.Length / batch.Count;
            for (var i = 0; i < batch.Count; i++)
                result.Add(values.AsSpan(i * width, width).ToArray());
        }

        return [.. result];
    }

    public void Dispose()
    {
        session.Dispose();
        runOptions.Dispose();
    }
}
