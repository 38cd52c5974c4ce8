using System.Text.Json;

namespace VisionFactory.Pipelines.Definitions;

/// <summary>
/// A pipeline as written in JSON or YAML: one source, then processors, then one or more sinks, each a component of the
/// catalog with its settings; plus the runtime's limits.
/// </summary>
public sealed record PipelineDefinition
{
    /// <summary>The pipeline's name (letters, digits, '-', '_'); the API and CLI call it by this name.</summary>
    public string Name { get; init; } = "";

    public string? Description { get; init; }

    /// <summary>Frames each step's queue holds; when full, the oldest frame is dropped (and counted).</summary>
    public int QueueCapacity { get; init; } = 4;

    /// <summary>A live source that delivers no frame for this long is treated as stalled and reconnected.</summary>
    public double StallTimeoutSeconds { get; init; } = 20;

    /// <summary>The longest wait between two reconnection attempts (the back-off doubles up to it).</summary>
    public double ReconnectMaxSeconds { get; init; } = 10;

    public List<StepDefinition> Steps { get; init; } = [];
}

/// <summary>One step: a catalog component and its settings; <see cref="Id"/> names it in metrics and errors.</summary>
public sealed record StepDefinition
{
    public string? Id { get; init; }

    public string Component { get; init; } = "";

    public JsonElement? Settings { get; init; }
}
