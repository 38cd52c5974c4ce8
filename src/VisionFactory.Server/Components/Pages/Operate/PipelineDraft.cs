using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisionFactory.Pipelines.Catalog;
using VisionFactory.Pipelines.Definitions;

namespace VisionFactory.Server.Components.Pages.Operate;

/// <summary>A pipeline being edited in the builder: steps with their settings as the form holds them (text per setting).</summary>
public sealed class PipelineDraft
{
    public string Name { get; set; } = "";

    public string? Description { get; set; }

    public int QueueCapacity { get; set; } = 4;

    public double StallTimeoutSeconds { get; set; } = 20;

    public List<StepDraft> Steps { get; } = [];

    public static PipelineDraft Starter() => new()
    {
        Name = "camera",
        Steps =
        {
            new StepDraft("mjpeg_camera"),
            new StepDraft("face_detection"),
            new StepDraft("classify"),
            new StepDraft("results_store"),
            new StepDraft("alert") { Values = { ["label"] = "without_mask" } },
        },
    };

    public static PipelineDraft From(PipelineDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var draft = new PipelineDraft
        {
            Name = definition.Name,
            Description = definition.Description,
            QueueCapacity = definition.QueueCapacity,
            StallTimeoutSeconds = definition.StallTimeoutSeconds,
        };
        foreach (var step in definition.Steps)
        {
            var s = new StepDraft(step.Component) { Id = step.Id };
            if (step.Settings is { ValueKind: JsonValueKind.Object } settings)
            {
                foreach (var p in settings.EnumerateObject())
                {
                    s.Values[p.Name] = p.Value.ValueKind switch
                    {
                        JsonValueKind.String => p.Value.GetString(),
                        JsonValueKind.Array => string.Join(", ", p.Value.EnumerateArray().Select(v => v.ToString())),
                        JsonValueKind.True => "true",
                        JsonValueKind.False => "false",
                        _ => p.Value.GetRawText(),
                    };
                }
            }

            draft.Steps.Add(s);
        }

        return draft;
    }

    /// <summary>The definition the form describes; settings are typed by the component's schema, empty ones left to their defaults.</summary>
    public PipelineDefinition ToDefinition(ComponentCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new PipelineDefinition
        {
            Name = Name.Trim(),
            Description = string.IsNullOrWhiteSpace(Description) ? null : Description,
            QueueCapacity = QueueCapacity,
            StallTimeoutSeconds = StallTimeoutSeconds,
            Steps = Steps.Select(s => new StepDefinition
            {
                Id = string.IsNullOrWhiteSpace(s.Id) ? null : s.Id,
                Component = s.Component,
                Settings = JsonSerializer.SerializeToElement(s.Settings(catalog.TryGet(s.Component, out var d) ? d : null)),
            }).ToList(),
        };
    }
}

/// <summary>One step in the builder.</summary>
public sealed class StepDraft(string component)
{
    public string? Id { get; set; }

    public string Component { get; set; } = component;

    public Dictionary<string, string?> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>The settings as JSON, typed by the schema (a value that does not parse stays text, so the schema names it).</summary>
    public JsonObject Settings(ComponentDescriptor? descriptor)
    {
        var properties = descriptor?.SettingsSchema["properties"]?.AsObject();
        var settings = new JsonObject();
        foreach (var (key, text) in Values)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var type = (string?)properties?[key]?["type"];
            settings[key] = type switch
            {
                "integer" when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
                "number" when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
                "boolean" when bool.TryParse(text, out var b) => JsonValue.Create(b),
                "array" => new JsonArray(text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
                _ => JsonValue.Create(text.Trim()),
            };
        }

        return settings;
    }
}
