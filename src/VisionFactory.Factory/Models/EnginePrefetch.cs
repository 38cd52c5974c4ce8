using VisionFactory.Learning.Inference;
using VisionFactory.Learning.Native;
using VisionFactory.Storage;

namespace VisionFactory.Factory.Models;

/// <summary>
/// Begins opening a model's engine in the background from what an earlier process noted in the engines cache (the
/// model's artifact and its deployment record), while this process starts its services and reads the database.
/// Nothing is trusted from the note: <see cref="ModelEngines.Open"/> takes the prefetched graph only when it is the
/// one the database's artifact and the deployment record name, its sha256 checked as it loaded; otherwise the graph is
/// closed and the engine opened as usual. A short command (one image through <c>vf predict</c>) then overlaps ONNX
/// Runtime's start and the graph's loading with its own.
/// </summary>
public sealed class EnginePrefetch : IDisposable
{
    private readonly Task<(string Path, string Sha256, OnnxClassifierEngine Engine)?> opening;
    private readonly Lock gate = new();
    private bool taken;

    private EnginePrefetch(Task<(string, string, OnnxClassifierEngine)?> opening) => this.opening = opening;

    /// <summary>Starts prefetching the engine of <paramref name="modelId"/> for <paramref name="choice"/>; the caller disposes it.</summary>
    public static EnginePrefetch Start(DataDirectory data, string modelId, EngineChoice choice)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(modelId);
        var folder = ModelEngines.FolderOf(data);
        return new EnginePrefetch(Task.Run<(string, string, OnnxClassifierEngine)?>(() =>
        {
            if (choice == EngineChoice.Torch)
            {
                TorchNativeLibrary.BeginLoadingInBackground();
                return null;
            }

            try
            {
                var note = ModelEngines.ArtifactNotePath(folder, modelId);
                var artifact = note is not null && File.Exists(note) ? File.ReadAllText(note).Trim() : null;
                var deployment = artifact is null ? null : ModelEngines.ReadRecord(ModelEngines.RecordPath(folder, artifact));
                if (artifact is null || deployment is null || (choice == EngineChoice.Auto && deployment.Engine == ClassifierEngineKind.Torch))
                {
                    // Not deployed here (deploying needs both engines) or recorded as TorchSharp's.
                    if (deployment is null || deployment.Engine == ClassifierEngineKind.Torch)
                        TorchNativeLibrary.BeginLoadingInBackground();
                    if (deployment is null)
                        OnnxRuntimeEnvironment.Prepare();
                    return null;
                }

                if (deployment.OnnxSha256 is not { } sha)
                    return null;
                var path = ModelEngines.GraphPath(folder, artifact);
                return ModelEngines.OpenGraph(path, sha) is { } engine ? (path, sha, engine) : null;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Whatever failed here (a note, a record, the native library), the usual opening meets it again and reports it.
                return null;
            }
        }));
    }

    /// <summary>
    /// The prefetched engine when it is the graph at <paramref name="path"/> with <paramref name="sha256"/> (waiting
    /// for it to finish loading), handed over to the caller; otherwise null.
    /// </summary>
    public OnnxClassifierEngine? Take(string path, string sha256)
    {
        var prefetched = opening.GetAwaiter().GetResult();
        lock (gate)
        {
            if (taken || prefetched is not { } found || found.Path != path || found.Sha256 != sha256)
                return null;
            taken = true;
            return found.Engine;
        }
    }

    /// <summary>Closes the prefetched engine unless it was taken.</summary>
    public void Dispose()
    {
        var prefetched = opening.GetAwaiter().GetResult();
        lock (gate)
        {
            if (taken)
                return;
            taken = true;
        }

        prefetched?.Engine.Dispose();
    }
}
