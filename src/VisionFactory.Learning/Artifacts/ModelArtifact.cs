using System.IO.Compression;
using System.Text.Json;
using TorchSharp.PyBridge;
using VisionFactory.Domain;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Weights;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Artifacts;

/// <summary>
/// A trained model as one file: a zip holding <c>manifest.json</c> and <c>weights.safetensors</c> (every tensor by
/// name, including the input mean). Nothing in it can run code when loaded: no pickle, no serialized objects.
/// </summary>
public static class ModelArtifact
{
    public const string MeanTensorName = "vf.input.mean";
    public const string StdTensorName = "vf.input.std";
    private const string ManifestEntry = "manifest.json";
    private const string WeightsEntry = "weights.safetensors";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static byte[] Write(ClassifierNetwork network, string modelId, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(network);
        var manifest = new ModelManifest
        {
            ModelId = modelId,
            Architecture = network.Architecture,
            Classes = [.. classes],
            ImageSize = network.ImageSize,
            Input = new ModelInput(network.Input.Bgr ? "bgr" : "rgb", network.Input.Scale, MeanTensorName, network.Input.Std is null ? null : StdTensorName,
                network.Fit == SquareFit.CenterCrop ? ModelInput.CenterCropFit : ModelInput.StretchFit),
        };

        var tensors = new Dictionary<string, Tensor>(network.Module.state_dict(), StringComparer.Ordinal)
        {
            [MeanTensorName] = network.Input.Mean,
        };
        if (network.Input.Std is { } std)
        {
            tensors[StdTensorName] = std;
        }

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var entry = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
            {
                JsonSerializer.Serialize(entry, manifest, Json);
            }

            // Weights barely compress; storing them keeps loading fast.
            using var weights = zip.CreateEntry(WeightsEntry, CompressionLevel.NoCompression).Open();
            Safetensors.SaveStateDict(weights, tensors, leaveOpen: true);
        }

        return buffer.ToArray();
    }

    /// <summary>Rebuilds the network; a damaged or foreign file fails with a clear <see cref="ProblemException"/>.</summary>
    public static (ClassifierNetwork Network, ModelManifest Manifest) Read(byte[] artifact, string modelId, ArchitectureCatalog architectures)
    {
        using var stream = new MemoryStream(artifact, writable: false);
        return Read(stream, modelId, architectures);
    }

    /// <summary>
    /// Rebuilds the network from a seekable stream (a blob file: its weights are read once, tensor by tensor, without
    /// first copying the whole file into memory); a damaged or foreign file fails with a clear <see cref="ProblemException"/>.
    /// </summary>
    public static (ClassifierNetwork Network, ModelManifest Manifest) Read(Stream artifact, string modelId, ArchitectureCatalog architectures)
    {
        ArgumentNullException.ThrowIfNull(architectures);
        using var zip = OpenZip(artifact, modelId);
        var manifest = ReadManifest(zip, modelId);
        var architecture = architectures.Get(manifest.Architecture);
        var fit = manifest.Input.Fit switch
        {
            null or ModelInput.StretchFit => SquareFit.Stretch,
            ModelInput.CenterCropFit => SquareFit.CenterCrop,
            var other => throw Damaged(modelId, $"its input fit '{other}' is neither '{ModelInput.StretchFit}' nor '{ModelInput.CenterCropFit}'"),
        };
        var weightsEntry = zip.GetEntry(WeightsEntry) ?? throw Damaged(modelId, $"it has no {WeightsEntry}");

        Dictionary<string, Tensor> tensors;
        try
        {
            // Stored (uncompressed) entries of a seekable archive are read in place; others are copied out first.
            using var entry = weightsEntry.Open();
            using var copy = entry.CanSeek ? null : new MemoryStream(checked((int)weightsEntry.Length));
            if (copy is not null)
            {
                entry.CopyTo(copy);
                copy.Position = 0;
            }

            tensors = Safetensors.LoadStateDict(copy ?? entry, leaveOpen: true);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or ArgumentException or NotImplementedException or IOException or EndOfStreamException or FormatException)
        {
            throw Damaged(modelId, $"its weights cannot be read ({e.Message})", e);
        }

        try
        {
            if (!tensors.Remove(manifest.Input.MeanTensor, out var mean))
            {
                throw Damaged(modelId, $"the input mean tensor '{manifest.Input.MeanTensor}' is missing");
            }

            Tensor? std = null;
            if (manifest.Input.StdTensor is { } stdName && !tensors.Remove(stdName, out std))
            {
                mean.Dispose();
                throw Damaged(modelId, $"the input std tensor '{stdName}' is missing");
            }

            var network = architecture.Build(manifest.Classes.Count, manifest.ImageSize, loadPretrained: false);
            network.Fit = fit;
            network.ReplaceInput(new InputTransform(manifest.Input.Channels == "bgr", manifest.Input.Scale, mean, std));
            try
            {
                StateDictLoader.LoadExact(network.Module, tensors);
                network.Module.eval();
                return (network, manifest);
            }
            catch (StateDictMismatchException e)
            {
                network.Dispose();
                throw Damaged(modelId, $"its weights do not fit architecture {manifest.Architecture}: {e.Report}", e);
            }
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    private static ZipArchive OpenZip(Stream artifact, string modelId)
    {
        try
        {
            return new ZipArchive(artifact, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw Damaged(modelId, "the file is not a model archive", e);
        }
    }

    private static ModelManifest ReadManifest(ZipArchive zip, string modelId)
    {
        var entry = zip.GetEntry(ManifestEntry) ?? throw Damaged(modelId, $"it has no {ManifestEntry}");
        try
        {
            using var stream = entry.Open();
            var manifest = JsonSerializer.Deserialize<ModelManifest>(stream, Json) ?? throw Damaged(modelId, "its manifest is empty");
            return manifest.Format == ModelManifest.CurrentFormat
                ? manifest
                : throw Damaged(modelId, $"its format {manifest.Format} is not supported by this version (expected {ModelManifest.CurrentFormat})");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw Damaged(modelId, $"its manifest cannot be read ({e.Message})", e);
        }
    }

    private static ProblemException Damaged(string modelId, string why, Exception? inner = null) =>
        ProblemException.Damaged($"the artifact of model {modelId} is damaged: {why}", inner);
}
