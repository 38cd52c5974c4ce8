using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisionFactory.Domain;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VisionFactory.Pipelines.Definitions;

/// <summary>Reads pipeline definitions from JSON or YAML text; a syntax error names the line and column.</summary>
public static class PipelineDefinitionReader
{
    public static PipelineDefinition ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw ProblemException.NotFound($"pipeline file '{path}' does not exist");
        }

        var text = File.ReadAllText(path);
        var yaml = path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
        return yaml ? ReadYaml(text) : ReadJson(text);
    }

    public static PipelineDefinition ReadJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<PipelineDefinition>(json, PipelineJson.Options)
                ?? throw ProblemException.Invalid("the pipeline definition is empty");
        }
        catch (JsonException e)
        {
            throw ProblemException.Invalid($"the pipeline definition is not valid: {Describe(e)}");
        }
    }

    public static PipelineDefinition ReadYaml(string yaml)
    {
        JsonNode? node;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            node = stream.Documents.Count == 0 ? null : ToJson(stream.Documents[0].RootNode);
        }
        catch (YamlException e)
        {
            throw ProblemException.Invalid($"the pipeline definition is not valid YAML (line {e.Start.Line}, column {e.Start.Column}): {e.Message}");
        }

        return ReadJson(node?.ToJsonString() ?? "null");
    }

    /// <summary>The definition as JSON text in the catalog's shape (what is stored).</summary>
    public static string ToJson(PipelineDefinition definition) => JsonSerializer.Serialize(definition, PipelineJson.Options);

    // YAML scalars carry no type: a plain (unquoted) scalar that reads as a number, boolean or null is one, as in
    // YAML's core schema; a quoted scalar is always a string.
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        return value switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
            _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
            _ => JsonValue.Create(value),
        };
    }

    private static string Describe(JsonException e) =>
        e.Message.Contains("could not be mapped", StringComparison.Ordinal)
            ? $"{e.Path?.TrimStart('$', '.')} is not a field of a pipeline definition (fields: name, description, queue_capacity, stall_timeout_seconds, reconnect_max_seconds, steps with id, component, settings)"
            : e.Path is { Length: > 1 } path ? $"at {path.TrimStart('$', '.')}: {e.Message}" : e.Message;
}
