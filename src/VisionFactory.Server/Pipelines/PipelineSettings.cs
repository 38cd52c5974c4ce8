using VisionFactory.Pipelines.Hosting;
using VisionFactory.Storage;

namespace VisionFactory.Server.Pipelines;

/// <summary>The web host's pipeline settings.</summary>
public static class PipelineSettings
{
    /// <summary>
    /// Pipeline settings from the <c>Pipelines</c> section. A server reads no folders for pipelines unless an administrator
    /// lists them (FolderRoots), and finds the YuNet face model in the data folder (models/face_detection_yunet.onnx)
    /// unless one is configured.
    /// </summary>
    public static PipelineOptions FromConfiguration(IConfiguration configuration, DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var options = new PipelineOptions();
        configuration.GetSection(PipelineOptions.Section).Bind(options);
        options.FolderRoots ??= [];
        options.YuNetModelPath ??= Path.Combine(data.Root, "models", "face_detection_yunet.onnx");
        return options;
    }
}
