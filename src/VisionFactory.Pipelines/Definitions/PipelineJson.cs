using System.Text.Json;
using System.Text.Json.Serialization;

namespace VisionFactory.Pipelines.Definitions;

/// <summary>The JSON shape of pipeline definitions and component settings: snake_case, enums as snake_case strings.</summary>
public static class PipelineJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = true,
    };

    /// <summary>The same shape on one line (JSON lines, webhook bodies).</summary>
    public static JsonSerializerOptions Compact { get; } = new(Options) { WriteIndented = false };

    /// <summary>Reads a step's settings into its component's settings type (after schema validation).</summary>
    public static T Settings<T>(JsonElement settings)
        where T : new() =>
        settings.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null
            ? new T()
            : settings.Deserialize<T>(Options) ?? new T();
}
