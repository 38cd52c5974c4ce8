using System.ComponentModel.DataAnnotations;

namespace VisionFactory.Pipelines.Hosting;

/// <summary>What an administrator decides for every pipeline on this installation (configuration section <c>Pipelines</c>).</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipelines";

    /// <summary>The haarcascade the face detector falls back to when no YuNet model is configured (Debian's opencv-data).</summary>
    public const string DefaultHaarCascade = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";

    /// <summary>
    /// OpenCV's YuNet face-detection model (face_detection_yunet.onnx from the OpenCV model zoo), used when a
    /// face_detection step names no model of its own. Without it the detector falls back to the Haar cascade, which
    /// misses most masked faces.
    /// </summary>
    public string? YuNetModelPath { get; set; }

    public string HaarCascadePath { get; set; } = DefaultHaarCascade;

    /// <summary>
    /// Folders that folder_watch and video steps may read, with everything under them. Null (the command line, run by
    /// the person who owns the files) allows any folder; the web host allows only these (none unless configured).
    /// </summary>
    public List<string>? FolderRoots { get; set; }

    /// <summary>
    /// Networks (CIDR, e.g. 10.1.2.0/24) that webhook steps may post to although they are private, loopback or
    /// link-local; every other internal address is refused when the connection is made.
    /// </summary>
    public List<string> WebhookAllowedNetworks { get; set; } = [];

    /// <summary>
    /// Networks (CIDR, e.g. 192.168.1.0/24) that camera sources (mjpeg_camera, http_snapshot, video streams) may
    /// connect to although they are private, loopback or link-local; every other internal address is refused when the
    /// pipeline is saved or started and when the connection is made. Null (the command line, run with its user's own
    /// network rights) allows any address; the web host allows only these (none unless configured).
    /// </summary>
    public List<string>? CameraAllowedNetworks { get; set; }

    /// <summary>
    /// Whether the web host starts again, when it starts, the pipelines that were running on it when it stopped or
    /// crashed (those a person started and nobody stopped).
    /// </summary>
    public bool ResumeOnStart { get; set; } = true;

    /// <summary>
    /// The name this host's running pipelines are recorded under, so that each of several hosts sharing one database
    /// resumes only its own. The machine name unless set (set it where the machine name changes, as in containers).
    /// </summary>
    public string HostName { get; set; } = Environment.MachineName;

    /// <summary>Where file sinks write (under the data directory unless set).</summary>
    public string? ExportsPath { get; set; }

    /// <summary>The longer side of the previews that the results store keeps.</summary>
    [Range(32, 1024)]
    public int ThumbnailSide { get; set; } = 320;

    /// <summary>POST /api/predict: images classified together in one batch at most.</summary>
    [Range(1, 256)]
    public int PredictMaxBatch { get; set; } = 16;

    /// <summary>POST /api/predict: requests waiting beyond the running batch at most, whatever the measured rate; one more is answered 429.</summary>
    [Range(1, 100_000)]
    public int PredictQueueCapacity { get; set; } = 64;

    /// <summary>
    /// POST /api/predict: the queueing an admitted request may meet (milliseconds). Requests in flight are capped at the
    /// measured service rate times this budget (at least one; at most a batch plus <see cref="PredictQueueCapacity"/>),
    /// so that an admitted request keeps its latency under overload and the rest are answered 429 at once.
    /// </summary>
    [Range(1, 60_000)]
    public int PredictLatencyBudgetMs { get; set; } = 100;

    /// <summary>POST /api/predict: how long the first request of a batch waits for others to join it (milliseconds).</summary>
    [Range(0, 1000)]
    public int PredictBatchWindowMs { get; set; } = 2;
}
