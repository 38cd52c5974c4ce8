using System.Text.Json;
using System.Text.Json.Nodes;
using VisionFactory.Domain.Pipelines;
using VisionFactory.Pipelines.Catalog;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Server.Pipelines;

/// <summary>A catalog component: id, kind (source, processor, sink), what it needs and adds, and its settings schema.</summary>
public sealed record ComponentInfo(
    string Id,
    ComponentKind Kind,
    string Version,
    string Title,
    string Description,
    List<string> Requires,
    List<string> Produces,
    JsonObject SettingsSchema)
{
    public static ComponentInfo From(ComponentDescriptor d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new ComponentInfo(d.Id, d.Kind, d.Version, d.Title, d.Description, Names(d.Requires), Names(d.Produces), d.SettingsSchema);
    }

    private static List<string> Names(FrameContent content) =>
        Enum.GetValues<FrameContent>().Where(f => f != FrameContent.None && content.HasFlag(f)).Select(f => f.ToString().ToLowerInvariant()).ToList();
}

/// <summary>
/// A saved pipeline: its newest (or requested) version, whether it runs here, its definition, (<c>resume_error</c>)
/// why it could not be started again if it was running when the host last stopped, and (<c>warnings</c>) what would
/// make this host refuse to start it, e.g. a folder outside <c>Pipelines:FolderRoots</c>, with how to allow it.
/// </summary>
public sealed record PipelineInfo(
    string Name, int Version, List<int> Versions, bool Running, DateTimeOffset CreatedAt, string? Description, JsonElement Definition,
    string? ResumeError = null, IReadOnlyList<string>? Warnings = null)
{
    public static PipelineInfo From(
        PipelineVersion version, List<int> versions, bool running, string? resumeError = null, PipelineStartChecks? checks = null)
    {
        ArgumentNullException.ThrowIfNull(version);
        var definition = PipelineDefinitionReader.ReadJson(version.Definition);
        return new PipelineInfo(version.Name, version.Number, versions, running, version.CreatedAt, definition.Description,
            JsonDocument.Parse(version.Definition).RootElement.Clone(), resumeError, checks?.Warnings(definition) ?? []);
    }
}

/// <summary>A stored result: the frame's findings, with the URL of its preview.</summary>
public sealed record PipelineResultInfo(
    long Id, int Version, long Sequence, DateTimeOffset CapturedAt, int Width, int Height, string? TopLabel, List<ResultDetection> Detections, string? ThumbnailUrl)
{
    public static PipelineResultInfo From(PipelineResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new PipelineResultInfo(r.Id, r.Version, r.Sequence, r.CapturedAt, r.Width, r.Height, r.TopLabel, r.Detections,
            r.ThumbnailSha256 is null ? null : $"/api/pipelines/{r.Pipeline}/results/{r.Id}/thumbnail");
    }
}

/// <summary>A page of results, newest first; <c>next_before</c> asks for the page after it.</summary>
public sealed record PipelineResultsPage(string Pipeline, List<PipelineResultInfo> Results, long? NextBefore);

/// <summary>A pipeline's live state: its metrics when it runs here, else only its state.</summary>
public sealed record PipelineStatus(string Name, bool Running, PipelineMetrics? Metrics);

/// <summary>What the model-selection assistant is asked.</summary>
/// <param name="Dataset">The dataset the models were trained on.</param>
/// <param name="MinAccuracy">The lowest acceptable test accuracy, 0..1.</param>
/// <param name="MaxLatencyMs">The highest acceptable single-image latency on this machine, in milliseconds.</param>
public sealed record SuggestRequest(string Dataset, double MinAccuracy, double MaxLatencyMs);
