using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace VisionFactory.Pipelines.Catalog;

/// <summary>
/// One entry of the component catalog: what the component is, what it needs and adds to a frame, and the JSON schema
/// its settings are validated against before a pipeline is saved or started.
/// </summary>
public sealed class ComponentDescriptor
{
    private readonly Lazy<JsonSchema> schema;

    public ComponentDescriptor(
        string id, string version, ComponentKind kind, string title, string description,
        FrameContent requires, FrameContent produces, string settingsSchema)
    {
        Id = id;
        Version = version;
        Kind = kind;
        Title = title;
        Description = description;
        Requires = requires;
        Produces = produces;
        SettingsSchema = JsonNode.Parse(settingsSchema)!.AsObject();
        schema = new Lazy<JsonSchema>(() => JsonSchema.FromText(settingsSchema));
    }

    /// <summary>The name a pipeline step uses, e.g. <c>mjpeg_camera</c>.</summary>
    public string Id { get; }

    public string Version { get; }

    public ComponentKind Kind { get; }

    public string Title { get; }

    public string Description { get; }

    /// <summary>What the incoming frame must already carry.</summary>
    public FrameContent Requires { get; }

    /// <summary>What the step adds to the frame (a source produces the image).</summary>
    public FrameContent Produces { get; }

    /// <summary>The JSON schema (draft 2020-12) of the step's <c>settings</c> object.</summary>
    public JsonObject SettingsSchema { get; }

    /// <summary>
    /// The problems of a settings object in words a person can act on, each naming the setting by its title and key
    /// (e.g. "needs a model (setting 'model'): ..."); empty when valid. The schema's own wording never reaches people:
    /// this is the one place that translates it, for the builder, the API and the CLI alike.
    /// </summary>
    public IReadOnlyList<string> Validate(JsonElement settings)
    {
        var results = schema.Value.Evaluate(settings, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        var problems = new List<string>();
        foreach (var detail in results.Details ?? [])
        {
            if (detail.Errors is null)
            {
                continue;
            }

            foreach (var (keyword, message) in detail.Errors)
            {
                var location = detail.InstanceLocation.ToString().TrimStart('/').Replace('/', '.');
                problems.AddRange(SettingsWording.Describe(SettingsSchema, settings, keyword, location, message));
            }
        }

        return problems.Count > 0 ? problems.Distinct(StringComparer.Ordinal).ToList() : ["the settings do not match the component's schema"];
    }
}
