using System.Text.Json;
using System.Text.Json.Nodes;

namespace VisionFactory.Pipelines.Catalog;

/// <summary>
/// Turns a JSON-schema error about a step's settings ("Required properties [\"model\"] are not present") into words
/// that name the setting by the title the builder shows, its key, and what to do.
/// </summary>
internal static class SettingsWording
{
    // The patterns the built-in schemas use, said in words.
    private static readonly Dictionary<string, string> Patterns = new(StringComparer.Ordinal)
    {
        ["^https?://"] = "start with http:// or https://",
        ["^m-[0-9a-f]{8}$"] = "be a model id such as m-5f3a9c2e",
        ["^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"] = "be a plain file name (letters, digits, '.', '_' or '-'; no folders)",
    };

    public static IEnumerable<string> Describe(JsonObject schema, JsonElement settings, string keyword, string location, string message)
    {
        var properties = schema["properties"]?.AsObject();
        if (keyword == "required")
        {
            var present = settings.ValueKind == JsonValueKind.Object
                ? settings.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal)
                : [];
            var missing = (schema["required"]?.AsArray().Select(r => (string)r!) ?? []).Where(r => !present.Contains(r)).ToList();
            return missing.Count > 0 ? missing.Select(key => Needs(properties?[key], key)) : [message];
        }

        // additionalProperties: false is reported at the unknown property itself, as a failed "false" schema.
        if (keyword is "additionalProperties" or "unevaluatedProperties" || message.Contains("false schema", StringComparison.Ordinal))
        {
            return [$"'{location}' is not a setting of this component (its settings: {string.Join(", ", properties?.Select(p => p.Key) ?? [])})"];
        }

        var name = location.Split('.')[0];
        var property = properties?[name];
        if (property is null || location.Length == 0)
        {
            return [location.Length == 0 ? message : $"{location}: {message}"];
        }

        var value = Value(settings, name);
        if (keyword == "minLength" && value is "\"\"")
        {
            return [Needs(property, name)];
        }

        var must = keyword switch
        {
            "minimum" => $"be at least {Number(property["minimum"])}",
            "maximum" => $"be at most {Number(property["maximum"])}",
            "exclusiveMinimum" => $"be above {Number(property["exclusiveMinimum"])}",
            "exclusiveMaximum" => $"be below {Number(property["exclusiveMaximum"])}",
            "type" => $"be {TypeWords((string?)property["type"])}",
            "enum" => $"be one of {string.Join(", ", property["enum"]?.AsArray().Select(e => e?.ToString()) ?? [])}",
            "pattern" => Patterns.TryGetValue((string?)property["pattern"] ?? "", out var words) ? words : $"match {(string?)property["pattern"]}",
            "minLength" => $"have at least {Number(property["minLength"])} characters",
            _ => null,
        };
        return [must is null ? $"{Title(property, name)} (setting '{name}'): {message}" : $"{Title(property, name)} (setting '{name}') must {must}, not {value}"];
    }

    private static string Needs(JsonNode? property, string key)
    {
        var title = Title(property, key);
        var noun = title.Length > 1 && char.IsUpper(title[0]) && !char.IsUpper(title[1]) ? char.ToLowerInvariant(title[0]) + title[1..] : title;
        var article = "aeiou".Contains(char.ToLowerInvariant(noun[0]), StringComparison.Ordinal) ? "an" : "a";
        var hint = (string?)property?["description"];
        return $"needs {article} {noun} (setting '{key}'): {hint ?? "fill it in"}";
    }

    private static string Title(JsonNode? property, string key) => (string?)property?["title"] ?? key;

    private static string Value(JsonElement settings, string name) =>
        settings.ValueKind == JsonValueKind.Object && settings.TryGetProperty(name, out var v) ? v.GetRawText() : "nothing";

    private static string Number(JsonNode? node) => node?.ToJsonString() ?? "?";

    private static string TypeWords(string? type) => type switch
    {
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        "string" => "text",
        "array" => "a list",
        _ => type ?? "something else",
    };
}
