using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Domain;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Processors;
using VisionFactory.Pipelines.Runtime;
using VisionFactory.Pipelines.Serving;
using VisionFactory.Pipelines.Sinks;
using VisionFactory.Pipelines.Sources;

namespace VisionFactory.Pipelines.Catalog;

/// <summary>The components that ship with the platform, their settings schemas and how each is built.</summary>
internal static class BuiltInComponents
{
    private const string V1 = "1.0.0";

    public static IEnumerable<CatalogEntry> All()
    {
        yield return Entry(
            new ComponentDescriptor("mjpeg_camera", V1, ComponentKind.Source, "MJPEG camera",
                "A camera or encoder that serves Motion JPEG over HTTP (multipart/x-mixed-replace); reconnects with back-off when the stream drops.",
                FrameContent.None, FrameContent.Image, """
                {
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["url"],
                  "properties": {
                    "url": { "type": "string", "pattern": "^https?://", "title": "Stream URL", "description": "e.g. http://camera.local/video.mjpg" },
                    "connect_timeout_seconds": { "type": "number", "minimum": 0.1, "maximum": 300, "default": 10, "title": "Connect timeout (s)" },
                    "max_frame_bytes": { "type": "integer", "minimum": 1024, "maximum": 67108864, "default": 8388608, "title": "Largest frame (bytes)" }
                  }
                }
                """),
            (c, s) =>
            {
                var settings = PipelineJson.Settings<MjpegCameraSettings>(s);
                CheckCameraUrl(settings.Url, c.Options.CameraAllowedNetworks);
                return Task.FromResult<object>(new MjpegCameraSource(settings, c.Options.CameraAllowedNetworks));
            });

        yield return Entry(
            new ComponentDescriptor("http_snapshot", V1, ComponentKind.Source, "HTTP snapshot camera",
                "Polls a URL that returns one still image (JPEG or PNG) per request, at a fixed interval.",
                FrameContent.None, FrameContent.Image, """
                {
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["url"],
                  "properties": {
                    "url": { "type": "string", "pattern": "^https?://", "title": "Snapshot URL" },
                    "interval_ms": { "type": "integer", "minimum": 20, "maximum": 3600000, "default": 1000, "title": "Interval (ms)" },
                    "timeout_seconds": { "type": "number", "minimum": 0.1, "maximum": 300, "default": 10, "title": "Request timeout (s)" },
                    "max_frame_bytes": { "type": "integer", "minimum": 1024, "maximum": 67108864, "default": 8388608, "title": "Largest image (bytes)" }
                  }
                }
                """),
            (c, s) =>
            {
                var settings = PipelineJson.Settings<HttpSnapshotSettings>(s);
                CheckCameraUrl(settings.Url, c.Options.CameraAllowedNetworks);
                return Task.FromResult<object>(new HttpSnapshotSource(settings, c.Clock, c.Options.CameraAllowedNetworks));
            });

        yield return Entry(
            new ComponentDescriptor("folder_watch", V1, ComponentKind.Source, "Folder watch",
                "New image files dropped into a folder, each read once (folders an administrator allowed on a server).",
                FrameContent.None, FrameContent.Image, """
                {
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["path"],
                  "properties": {
                    "path": { "type": "string", "minLength": 1, "title": "Folder" },
                    "poll_ms": { "type": "integer", "minimum": 50, "maximum": 60000, "default": 500, "title": "Poll interval (ms)" },
                    "include_existing": { "type": "boolean", "default": false, "title": "Also read the files already there" },
                    "max_frame_bytes": { "type": "integer", "minimum": 1024, "maximum": 67108864, "default": 33554432, "title": "Largest file (bytes)" }
                  }
                }
                """),
            (c, s) =>
            {
                var settings = PipelineJson.Settings<FolderWatchSettings>(s);
                var folder = FolderAccess.Check(settings.Path, c.Options.FolderRoots, "path");
                return Task.FromResult<object>(new FolderWatchSource(settings, folder, c.Clock));
            });

        yield return Entry(
            new ComponentDescriptor("video", V1, ComponentKind.Source, "RTSP camera or video file (ffmpeg)",
                "An rtsp:// camera or a video file, decoded by ffmpeg (Debian package ffmpeg; the step says so when it is missing).",
                FrameContent.None, FrameContent.Image, """
                {
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["input"],
                  "properties": {
                    "input": { "type": "string", "minLength": 1, "title": "rtsp:// URL or video file" },
                    "fps": { "type": "number", "minimum": 0, "maximum": 240, "default": 0, "title": "Frames per second (0: the input's)" },
                    "realtime": { "type": "boolean", "default": true, "title": "Read files at their own speed" },
                    "max_frame_bytes": { "type": "integer", "minimum": 1024, "maximum": 67108864, "default": 8388608, "title": "Largest frame (bytes)" }
                  }
                }
                """),
            async (c, s) =>
            {
                var settings = PipelineJson.Settings<VideoSettings>(s);

                // A refused address is named whether or not ffmpeg is installed.
                var stream = settings.Input.Contains("://", StringComparison.Ordinal)
                    ? await CheckStreamUrlAsync(settings.Input, c.Options.CameraAllowedNetworks, CancellationToken.None).ConfigureAwait(false)
                    : null;
                if (FfmpegVideoSource.FindFfmpeg() is null)
                {
                    throw FfmpegVideoSource.Missing();
                }

                return (object)new FfmpegVideoSource(settings, stream ?? FolderAccess.Check(settings.Input, c.Options.FolderRoots, "input"));
            });

        yield return Entry(
            new ComponentDescriptor("resize", V1, ComponentKind.Processor, "Resize",
                "Scales frames to fit a size (aspect kept unless told otherwise); face boxes are scaled with them.",
                FrameContent.Image, FrameContent.None, """
                {
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "width": { "type": "integer", "minimum": 8, "maximum": 8192, "default": 640, "title": "Width (px)" },
                    "height": { "type": "integer", "minimum": 8, "maximum": 8192, "default": 480, "title": "Height (px)" },
                    "keep_aspect": { "type": "boolean", "default": true, "title": "Keep the aspect ratio" }
                  }
                }
                """),
            (_, s) => Task.FromResult<object>(new ResizeProcessor(PipelineJson.Settings<ResizeSettings>(s))));

        yield return Entry(
            new ComponentDescriptor("crop", V1, ComponentKind.Processor, "Crop",
                "Keeps a region of interest, given as fractions of the frame (0..1) so it fits any resolution.",
                FrameContent.Image, FrameContent.None, """
                {
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "left": { "type": "number", "minimum": 0, "maximum": 0.99, "default": 0, "title": "Left (0..1)" },
                    "top": { "type": "number", "minimum": 0, "maximum": 0.99, "default": 0, "title": "Top (0..1)" },
                    "width": { "type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 1, "title": "Width (0..1)" },
                    "height": { "type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 1, "title": "Height (0..1)" }
                  }
                }
                """),
            (_, s) => Task.FromResult<object>(new CropProcessor(PipelineJson.Settings<CropSettings>(s))));

        yield return Entry(
            new ComponentDescriptor("face_detection", V1, ComponentKind.Processor, "Face detection",
                "Finds faces with OpenCV's YuNet detector (a model file configured here or by the administrator); without one it falls back to the Haar cascade, with a warning: Haar misses most masked faces.",
                FrameContent.Image, FrameContent.Faces, """
                {
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "model_path": { "type": "string", "title": "YuNet model file", "description": "face_detection_yunet.onnx; empty: the installation's (Pipelines:YuNetModelPath)" },
                    "score_threshold": { "type": "number", "minimum": 0.05, "maximum": 1, "default": 0.6, "title": "Minimum face score" },
                    "nms_threshold": { "type": "number", "minimum": 0.05, "maximum": 1, "default": 0.3, "title": "Overlap threshold" },
                    "min_face_pixels": { "type": "integer", "minimum": 1, "maximum": 4096, "default": 16, "title": "Smallest face (px)" },
                    "max_faces": { "type": "integer", "minimum": 1, "maximum": 500, "default": 20, "title": "Most faces per frame" }
                  }
                }
                """),
            (c, s) => Task.FromResult<object>(FaceDetection(c, PipelineJson.Settings<FaceDetectionSettings>(s))));

        yield return Entry(
            new ComponentDescriptor("classify", V1, ComponentKind.Processor, "Classify",
                "Labels each detected face (or the whole frame when none was found) with a trained model version.",
                FrameContent.Image, FrameContent.Labels, """
                {
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["model"],
                  "properties": {
                    "model": { "type": "string", "pattern": "^m-[0-9a-f]{8}$", "title": "Model", "description": "choose one: the model assistant suggests the fastest that meets your targets ('vf pipeline suggest'); an id such as m-5f3a9c2e" },
                    "per_face": { "type": "boolean", "default": true, "title": "One label per face" },
                    "whole_frame_without_faces": { "type": "boolean", "default": true, "title": "Classify the whole frame when no face was found" }
                  }
                }
                """),
            async (c, s) =>
            {
                var settings = PipelineJson.Settings<ClassifySettings>(s);
                var (model, engine) = await ModelNetworks.OpenAsync(c.Services, settings.Model, CancellationToken.None).ConfigureAwait(false);
                return new ClassifyProcessor(engine, model, settings, c.Services.GetRequiredService<ImageLimits>());
            });

        yield return Entry(
            new ComponentDescriptor("filter", V1, ComponentKind.Processor, "Filter by label",
                "Lets through only frames with a wanted label at or above a confidence.",
                FrameContent.Labels, FrameContent.None, """
                {
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "labels": { "type": "array", "items": { "type": "string", "minLength": 1 }, "default": [], "title": "Labels to keep (empty: any)" },
                    "min_confidence": { "type": "number", "minimum": 0, "maximum": 1, "default": 0, "title": "Minimum confidence" }
                  }
                }
                """),
            (_, s) => Task.FromResult<object>(new FilterProcessor(PipelineJson.Settings<FilterSettings>(s))));

        yield return Entry(
            new ComponentDescriptor("sample", V1, ComponentKind.Processor, "Frame sampling",
                "Keeps every n-th frame and at most a number of frames per second, before the expensive steps.",
                FrameContent.Image, FrameContent.None, """
                {
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "every_nth": { "type": "integer", "minimum": 1, "maximum": 10000, "default": 1, "title": "Keep one frame in" },
                    "max_fps": { "type": "number", "minimum": 0, "maximum": 1000, "default": 0, "title": "Most frames per second (0: no limit)" }
                  }
                }
                """),
            (_, s) => Task.FromResult<object>(new SampleProcessor(PipelineJson.Settings<SampleSettings>(s))));

        yield return Entry(
            new ComponentDescriptor("results_store", V1, ComponentKind.Sink, "Results store",
                "Stores every frame's labels and face boxes (and a preview) in the platform; the results API and the live dashboard read them.",
                FrameContent.Image, FrameContent.None, """
                {
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "thumbnails": { "type": "boolean", "default": true, "title": "Keep a preview of each frame" },
                    "only_with_findings": { "type": "boolean", "default": false, "title": "Only frames with a label or a face" },
                    "keep_last": { "type": "integer", "minimum": 10, "maximum": 100000000, "default": 100000, "title": "Results kept (newest)" }
                  }
                }
                """),
            (c, s) => Task.FromResult<object>(new ResultsStoreSink(PipelineJson.Settings<ResultsStoreSettings>(s), c.Services)));

        yield return Entry(
            new ComponentDescriptor("webhook", V1, ComponentKind.Sink, "Webhook",
                "POSTs each frame's results as JSON to a URL; internal addresses are refused unless an administrator allowed their network.",
                FrameContent.Image, FrameContent.None, """
                {
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["url"],
                  "properties": {
                    "url": { "type": "string", "pattern": "^https?://", "title": "Receiver URL" },
                    "timeout_seconds": { "type": "number", "minimum": 0.1, "maximum": 120, "default": 5, "title": "Timeout (s)" },
                    "only_labelled": { "type": "boolean", "default": true, "title": "Only frames with a label" }
                  }
                }
                """),
            (c, s) => Task.FromResult<object>(new WebhookSink(
                PipelineJson.Settings<WebhookSettings>(s), c.Options.WebhookAllowedNetworks, (k, m) => c.Events.Record(c.StepId, k, m), c.Clock)));

        yield return Entry(
            new ComponentDescriptor("file", V1, ComponentKind.Sink, "CSV / JSON-lines file",
                "Appends results to a file in the exports folder: CSV (one row per label or face) or JSON lines (one document per frame).",
                FrameContent.Image, FrameContent.None, """
                {
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["file_name"],
                  "properties": {
                    "file_name": { "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", "title": "File name", "description": "no folders: written in the exports folder" },
                    "format": { "type": "string", "enum": ["jsonl", "csv"], "default": "jsonl", "title": "Format" }
                  }
                }
                """),
            (c, s) => Task.FromResult<object>(new FileSink(
                PipelineJson.Settings<FileSinkSettings>(s), c.Options.ExportsPath ?? Path.Combine(c.Data.Root, "exports"))));

        yield return Entry(
            new ComponentDescriptor("alert", V1, ComponentKind.Sink, "Alert rule",
                "Raises an alert when a label is above a confidence on a number of consecutive frames (e.g. without_mask > 0.8 on 3 frames).",
                FrameContent.Labels, FrameContent.None, """
                {
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["label"],
                  "properties": {
                    "label": { "type": "string", "minLength": 1, "title": "Label" },
                    "min_confidence": { "type": "number", "minimum": 0, "maximum": 1, "default": 0.8, "title": "Confidence above" },
                    "consecutive_frames": { "type": "integer", "minimum": 1, "maximum": 10000, "default": 3, "title": "Consecutive frames" }
                  }
                }
                """),
            (c, s) => Task.FromResult<object>(new AlertSink(
                PipelineJson.Settings<AlertSettings>(s), c.Services, (k, m) => c.Events.Record(c.StepId, k, m), c.Clock)));
    }

    private static CatalogEntry Entry(ComponentDescriptor descriptor, Func<ComponentContext, JsonElement, Task<object>> create) => new(descriptor, create);

    /// <summary>
    /// A video stream's address as ffmpeg gets it. ffmpeg makes its own connections, so on the web host
    /// (<paramref name="allowedNetworks"/> set) only rtsp:// and rtsps:// are taken (ffmpeg's HTTP client follows
    /// redirects unchecked: HTTP cameras use mjpeg_camera or http_snapshot, guarded at connect time), and the host is
    /// resolved and checked first; an rtsp:// address is handed over with the checked address in place of the name.
    /// </summary>
    private static async Task<string> CheckStreamUrlAsync(string url, IReadOnlyList<string>? allowedNetworks, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("rtsp" or "rtsps" or "http" or "https"))
        {
            throw ProblemException.Invalid($"input: '{url}' is not an rtsp://, rtsps://, http:// or https:// address");
        }

        if (allowedNetworks is null)
        {
            return url;
        }

        if (uri.Scheme is not ("rtsp" or "rtsps"))
        {
            throw ProblemException.Invalid($"input: '{url}': on the server the video source reads rtsp:// and rtsps:// streams; use mjpeg_camera or http_snapshot for an HTTP camera");
        }

        var address = await OutboundGuard.ResolveAsync(uri.IdnHost, allowedNetworks, "input", cancellationToken).ConfigureAwait(false);

        // rtsps checks its certificate against the name, so the name is kept there.
        return uri.Scheme == "rtsp" ? new UriBuilder(uri) { Host = address.ToString() }.Uri.ToString() : url;
    }

    /// <summary>Refuses, naming the address, a camera URL whose host is a literal internal address (or localhost) not allowed on the web host.</summary>
    internal static void CheckCameraUrl(string url, IReadOnlyList<string>? allowedNetworks)
    {
        if (allowedNetworks is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri)
            && OutboundGuard.RefusedLiteral(uri.Host, allowedNetworks) is { } refused)
        {
            throw ProblemException.Invalid(OutboundGuard.Refused(uri.Host, refused, "url"));
        }
    }

    private static FaceDetectionProcessor FaceDetection(ComponentContext context, FaceDetectionSettings settings)
    {
        var model = string.IsNullOrWhiteSpace(settings.ModelPath) ? context.Options.YuNetModelPath : settings.ModelPath;
        if (!string.IsNullOrWhiteSpace(model) && File.Exists(model))
        {
            return new FaceDetectionProcessor(
                new YuNetFaceDetector(model, (float)settings.ScoreThreshold, (float)settings.NmsThreshold, 5000), settings);
        }

        var cascade = context.Options.HaarCascadePath;
        if (!File.Exists(cascade))
        {
            throw ProblemException.Invalid(
                $"face detection has no detector: the YuNet model {(string.IsNullOrWhiteSpace(model) ? "is not configured" : $"'{model}' does not exist")} " +
                $"and the Haar cascade '{cascade}' is missing (apt-get install opencv-data)");
        }

        context.Events.Record(context.StepId, PipelineEventKind.Warning,
            $"face detection uses the Haar cascade because the YuNet model {(string.IsNullOrWhiteSpace(model) ? "is not configured (Pipelines:YuNetModelPath or model_path)" : $"'{model}' does not exist")}; " +
            "Haar misses most masked faces (59% of pasted-mask images and 17% of real masked faces here, YuNet 100% and 88%)");
        return new FaceDetectionProcessor(new HaarFaceDetector(cascade, settings.MinFacePixels), settings);
    }
}
