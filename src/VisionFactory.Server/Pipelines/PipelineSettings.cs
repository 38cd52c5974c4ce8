using VisionFactory.Pipelines.Hosting;
using VisionFactory.Storage;

namespace VisionFactory.Server.Pipelines;

/// <summary>The web host's pipeline settings (bound by <see cref="Hosting.SettingsRegistration"/>).</summary>
public static class PipelineSettings
{
    /// <summary>The name of the options instance that holds the <c>Pipelines</c> section as configured, before <see cref="Complete"/>.</summary>
    public const string AsConfigured = "configured";

    /// <summary>
    /// Completes the <c>Pipelines</c> section for a server. A server reads no folders for pipelines unless an administrator
    /// lists them (FolderRoots), and finds the YuNet face model in the data folder (models/face_detection_yunet.onnx)
    /// unless one is configured. Camera sources reach only public addresses unless CameraAllowedNetworks lists them or an
    /// administrator added them on the Settings page (<see cref="CameraNetworks"/>).
    /// </summary>
    public static void Complete(PipelineOptions options, DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        options.FolderRoots ??= [];
        options.CameraAllowedNetworks ??= [];

        // With those an administrator added on the Settings page.
        options.CameraAllowedNetworks = [.. options.CameraAllowedNetworks.Union(CameraNetworks.ReadStored(data), StringComparer.Ordinal)];
        options.YuNetModelPath ??= Path.Combine(data.Root, "models", "face_detection_yunet.onnx");
    }
}
