using System.ComponentModel.DataAnnotations;

namespace VisionFactory.Server.Hosting;

/// <summary>Limits of the REST API, bound from the <c>Server</c> configuration section.</summary>
public sealed class ServerOptions
{
    public const string Section = "Server";

    /// <summary>The largest dataset archive an upload may carry; 2 GiB unless configured.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxImportUploadBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>The most images one prediction request may carry.</summary>
    [Range(1, 10_000)]
    public int MaxPredictionFiles { get; set; } = 256;

    /// <summary>The most files one uploaded archive may carry for classification.</summary>
    [Range(1, 1_000_000)]
    public int MaxClassifiedFiles { get; set; } = 20_000;

    /// <summary>The largest prediction request, all files together; 512 MiB unless configured.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxPredictionUploadBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// The largest single image <c>POST /api/predict</c> and <c>POST /api/models/{id}/explanations</c> take; 64 MiB
    /// (the decoder's file limit) unless configured.
    /// </summary>
    [Range(1L, long.MaxValue)]
    public long MaxImageUploadBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Folders on the server that imports by path (<c>POST /api/datasets/{name}/imports</c> with a JSON path) may read;
    /// none unless configured, so that only uploads work. Links are resolved before the check.
    /// </summary>
    public IList<string> ImportRoots { get; } = [];
}
