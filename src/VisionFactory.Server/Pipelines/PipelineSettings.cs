using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Storage;

namespace VisionFactory.Server.Pipelines;

/// <summary>The web host's pipeline settings.</summary>
public static class PipelineSettings
{
    /// <summary>
    /// Pipeline settings from the <c>Pipelines</c> section. A server reads no folders for pipelines unless an administrator
    /// lists them (FolderRoots), and finds the YuNet face model in the data folder (models/face_detection_yunet.onnx)
    /// unless one is configured. Camera sources reach only public addresses unless CameraAllowedNetworks lists them or an
    /// administrator added them on the Settings page (<see cref="CameraNetworks"/>).
    /// </summary>
    public static PipelineOptions FromConfiguration(IConfiguration configuration, DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var options = new PipelineOptions();
        configuration.GetSection(PipelineOptions.Section).Bind(options);
        options.FolderRoots ??= [];
        options.CameraAllowedNetworks ??= [];

        // A range that is not CIDR stops the host at start, naming the setting, rather than failing each pipeline later.
        OutboundGuard.CheckRanges(options.CameraAllowedNetworks, CameraNetworks.Setting);

        // With those an administrator added on the Settings page.
        options.CameraAllowedNetworks = [.. options.CameraAllowedNetworks.Union(CameraNetworks.ReadStored(data), StringComparer.Ordinal)];
        OutboundGuard.CheckRanges(options.WebhookAllowedNetworks, "Pipelines:WebhookAllowedNetworks");
        options.YuNetModelPath ??= Path.Combine(data.Root, "models", "face_detection_yunet.onnx");
        return options;
    }
}
