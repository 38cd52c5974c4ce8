using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using VisionFactory.Domain;
using VisionFactory.Learning.Export;
using VisionFactory.Learning.Inference;
using VisionFactory.Storage;

namespace VisionFactory.Factory.Models;

/// <summary>Which engine classifies with a model: the faster one measured on this machine, or the one asked for.</summary>
public enum EngineChoice
{
    /// <summary>The engine measured faster on this machine the first time the model was used here.</summary>
    Auto,

    /// <summary>ONNX Runtime on the model's exported graph.</summary>
    Onnx,

    /// <summary>TorchSharp, the engine the model was trained in.</summary>
    Torch,
}

/// <summary>Engine names as the API and the CLI take them: auto, onnx, torch.</summary>
public static class EngineChoices
{
    /// <summary>The names, for help texts and completions.</summary>
    public static IReadOnlyList<string> Names { get; } = ["auto", "onnx", "torch"];

    /// <summary>The choice named (any case); null or empty is <see cref="EngineChoice.Auto"/>.</summary>
    public static EngineChoice Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => EngineChoice.Auto,
        "onnx" => EngineChoice.Onnx,
        "torch" => EngineChoice.Torch,
        _ => throw ProblemException.Invalid($"unknown engine '{name}'; use {string.Join(", ", Names)}"),
    };

    /// <summary>The name of an engine as output shows it.</summary>
    public static string Name(ClassifierEngineKind engine) => engine == ClassifierEngineKind.Onnx ? "onnx" : "torch";
}

/// <summary>What the first use of a model on this machine measured and chose (stored beside its exported graph).</summary>
/// <param name="Engine">The engine chosen for <see cref="EngineChoice.Auto"/>.</param>
/// <param name="TorchMilliseconds">One image through TorchSharp (median, steady state).</param>
/// <param name="OnnxMilliseconds">One image through ONNX Runtime; null when the model could not be exported.</param>
/// <param name="OnnxSha256">The exported graph's sha256; null when it could not be exported.</param>
/// <param name="Reason">Why ONNX Runtime is not used, when it is not.</param>
/// <param name="Threads">The threads both were measured on.</param>
/// <param name="MeasuredAt">When.</param>
public sealed record EngineDeployment(
    ClassifierEngineKind Engine, double TorchMilliseconds, double? OnnxMilliseconds, string? OnnxSha256, string? Reason, int Threads, DateTimeOffset MeasuredAt);

/// <summary>
/// Opens a stored model on an engine (<see cref="IClassifierEngine"/>). The first time a model is used on this
/// machine with <see cref="EngineChoice.Auto"/> it is deployed: exported to ONNX (the export checks the graph
/// against the network), both engines are timed on one image, and the faster is recorded in the data directory's
/// cache (<c>cache/engines/&lt;artifact sha256&gt;.json</c>, with the graph beside it). Later uses open the recorded
/// engine at once; with ONNX Runtime, a process never loads libtorch. The graph is checked against its recorded
/// sha256 while it loads, as the artifact is.
/// </summary>
public sealed partial class ModelEngines(ModelService models, DataDirectory data, ILogger<ModelEngines> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private static readonly TimeSpan WarmUpBudget = TimeSpan.FromSeconds(5);

    private string Folder => FolderOf(data);

    /// <summary>Opens <paramref name="model"/> on the chosen engine; the caller disposes it.</summary>
    /// <param name="model">The model.</param>
    /// <param name="choice">The engine asked for.</param>
    /// <param name="cancellationToken">Stops a deployment.</param>
    /// <param name="prefetched">A graph this process began opening before it knew the model's artifact (see
    /// <see cref="EnginePrefetch"/>); used only when it is the model's recorded graph.</param>
    public IClassifierEngine Open(ModelArtifactReference model, EngineChoice choice, CancellationToken cancellationToken, EnginePrefetch? prefetched = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        // An imported model is its graph: ONNX Runtime whatever was asked, except TorchSharp, which it has no network for.
        if (model.Imported)
        {
            return choice == EngineChoice.Torch
                ? throw ProblemException.Invalid($"model {model.Id} was imported from an ONNX file and runs on ONNX Runtime only; use --engine onnx or auto")
                : models.OpenImported(model);
        }

        if (choice == EngineChoice.Torch)
            return new TorchClassifierEngine(models.Load(model));

        RememberArtifact(model);
        var deployment = Recorded(model);
        if (deployment is { OnnxSha256: not null } && (choice == EngineChoice.Onnx || deployment.Engine == ClassifierEngineKind.Onnx)
            && (prefetched?.Take(GraphPath(model), deployment.OnnxSha256) ?? OpenOnnx(model, deployment)) is { } recorded)
            return recorded;
        if (deployment is { Engine: ClassifierEngineKind.Torch } && choice == EngineChoice.Auto)
            return new TorchClassifierEngine(models.Load(model));
        if (deployment is { OnnxSha256: null } && choice == EngineChoice.Onnx)
            throw CannotExport(model, deployment);

        // Not deployed on this machine yet, or its graph is missing or no longer the recorded one.
        deployment = Deploy(model, cancellationToken);
        if (choice == EngineChoice.Auto && deployment.Engine == ClassifierEngineKind.Torch)
            return new TorchClassifierEngine(models.Load(model));
        if (deployment.OnnxSha256 is null)
            throw CannotExport(model, deployment);
        return OpenOnnx(model, deployment)
            ?? throw ProblemException.Damaged($"the exported graph of model {model.Id} changed while it was being opened; try again");

        static ProblemException CannotExport(ModelArtifactReference model, EngineDeployment deployment) =>
            ProblemException.Invalid($"model {model.Id} cannot run on ONNX Runtime ({deployment.Reason}); use the torch engine");
    }

    /// <summary>What the model's deployment on this machine recorded, or null when it has not been deployed here.</summary>
    public EngineDeployment? Recorded(ModelArtifactReference model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ReadRecord(RecordPath(model));
    }

    /// <summary>The deployment recorded in <paramref name="path"/>; null when there is none or it is damaged.</summary>
    internal static EngineDeployment? ReadRecord(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            return JsonSerializer.Deserialize<EngineDeployment>(file, Json);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException)
        {
            // A damaged record is measured again.
            return null;
        }
    }

    /// <summary>
    /// Deploys the model on this machine now (again, if it was): exports it, times both engines on one image and
    /// records the faster. A model the exporter cannot write is recorded as TorchSharp's, with the reason.
    /// </summary>
    public EngineDeployment Deploy(ModelArtifactReference model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        Directory.CreateDirectory(Folder);
        using var torch = new TorchClassifierEngine(models.Load(model));
        var image = new[] { SampleImage(torch.ImageSize) };
        var threads = CpuLatency.Threads;
        var torchMs = CpuLatency.MedianMilliseconds(() => torch.Probabilities(image, 1, cancellationToken), threads, warmUp: WarmUpBudget, cancellationToken: cancellationToken);

        EngineDeployment deployment;
        var graph = GraphPath(model);
        var temporary = graph + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            OnnxExporter.ExportTo(torch.Network, new OnnxExportInfo(model.Classes, model.Id), temporary);
            string sha;
            using (var file = File.OpenRead(temporary))
            {
                sha = Convert.ToHexStringLower(SHA256.HashData(file));
            }

            double onnxMs;
            using (var onnx = OnnxClassifierEngine.Open(temporary, threads))
            {
                onnxMs = CpuLatency.MedianMilliseconds(() => onnx.Probabilities(image, 1, cancellationToken), threads, warmUp: WarmUpBudget, cancellationToken: cancellationToken);
            }

            File.Move(temporary, graph, overwrite: true);
            var engine = onnxMs <= torchMs ? ClassifierEngineKind.Onnx : ClassifierEngineKind.Torch;
            deployment = new EngineDeployment(engine, torchMs, onnxMs, sha, null, threads, DateTimeOffset.UtcNow);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or InvalidDataException)
        {
            LogNotExported(logger, model.Id, e.Message);
            deployment = new EngineDeployment(ClassifierEngineKind.Torch, torchMs, null, null, e.Message, threads, DateTimeOffset.UtcNow);
        }
        finally
        {
            File.Delete(temporary);
        }

        var record = RecordPath(model);
        var staged = record + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        File.WriteAllText(staged, JsonSerializer.Serialize(deployment, Json));
        File.Move(staged, record, overwrite: true);
        LogDeployed(logger, model.Id, deployment.Engine, torchMs, deployment.OnnxMilliseconds);
        return deployment;
    }

    // The graph, checked against its record while ONNX Runtime reads it; null when it is missing or does not match.
    private OnnxClassifierEngine? OpenOnnx(ModelArtifactReference model, EngineDeployment deployment) =>
        OpenGraph(GraphPath(model), deployment.OnnxSha256!);

    /// <summary>The graph at <paramref name="path"/> on ONNX Runtime, hashed while it loads; null when it is missing or its sha256 is not <paramref name="sha256"/>.</summary>
    internal static OnnxClassifierEngine? OpenGraph(string path, string sha256)
    {
        if (!File.Exists(path))
            return null;
        var hashing = Task.Run(() =>
        {
            using var file = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(file)) == sha256;
        });
        OnnxClassifierEngine? engine = null;
        try
        {
            engine = OnnxClassifierEngine.Open(path, CpuLatency.Threads);
        }
        catch (InvalidDataException) when (!hashing.GetAwaiter().GetResult())
        {
            return null;
        }

        if (hashing.GetAwaiter().GetResult())
            return engine;
        engine.Dispose();
        return null;
    }

    private string GraphPath(ModelArtifactReference model) => GraphPath(Folder, model.ArtifactSha256);

    private string RecordPath(ModelArtifactReference model) => RecordPath(Folder, model.ArtifactSha256);

    internal static string FolderOf(DataDirectory data) => Path.Combine(data.CachePath, "engines");

    internal static string GraphPath(string folder, string artifactSha256) => Path.Combine(folder, artifactSha256 + ".onnx");

    internal static string RecordPath(string folder, string artifactSha256) => Path.Combine(folder, artifactSha256 + ".json");

    /// <summary>
    /// Where the artifact of model <paramref name="id"/> is noted (<c>models/&lt;id&gt;</c>), so that a later process can
    /// begin opening its graph before it has read the database; null for an id that cannot name a file.
    /// </summary>
    internal static string? ArtifactNotePath(string folder, string id) =>
        id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? Path.Combine(folder, "models", id) : null;

    // Notes the model's artifact for EnginePrefetch (derived data: a wrong or stale note only costs the prefetch).
    private void RememberArtifact(ModelArtifactReference model)
    {
        if (ArtifactNotePath(Folder, model.Id) is not { } note)
            return;
        try
        {
            if (File.Exists(note) && File.ReadAllText(note) == model.ArtifactSha256)
                return;
            Directory.CreateDirectory(Path.GetDirectoryName(note)!);
            var staged = note + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
            File.WriteAllText(staged, model.ArtifactSha256);
            File.Move(staged, note, overwrite: true);
        }
        catch (IOException e)
        {
            LogNotNoted(logger, model.Id, e.Message);
        }
    }

    // A deterministic picture with structure (not a flat grey), the same for both engines.
    private static byte[] SampleImage(int size)
    {
        var rgb = new byte[size * size * 3];
        for (var i = 0; i < rgb.Length; i++)
            rgb[i] = (byte)(((uint)i * 2654435761u) >> 24);
        return rgb;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {ModelId} deployed on this machine: {Engine} (TorchSharp {TorchMs:0.0} ms, ONNX Runtime {OnnxMs:0.0} ms per image)")]
    private static partial void LogDeployed(ILogger logger, string modelId, ClassifierEngineKind engine, double torchMs, double? onnxMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Model {ModelId}'s artifact could not be noted for faster opening: {Reason}")]
    private static partial void LogNotNoted(ILogger logger, string modelId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {ModelId} cannot be exported to ONNX, so it runs on TorchSharp: {Reason}")]
    private static partial void LogNotExported(ILogger logger, string modelId, string reason);
}
