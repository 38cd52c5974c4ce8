using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using VisionFactory.Domain;
using VisionFactory.Pipelines.Catalog;

namespace VisionFactory.Pipelines.Definitions;

/// <summary>
/// Checks a definition against the catalog: one source first, processors, then sinks; every component known; every
/// step's settings valid for its component's schema; every step's needs met by the steps before it. Each problem
/// names the step and the setting.
/// </summary>
public sealed partial class PipelineValidator(ComponentCatalog catalog)
{
    /// <summary>The definition with every step's id filled in (its component name, numbered when repeated).</summary>
    public static PipelineDefinition Normalize(PipelineDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var steps = definition.Steps.Select(s =>
        {
            if (!string.IsNullOrWhiteSpace(s.Id))
            {
                return s;
            }

            var n = seen[s.Component] = seen.GetValueOrDefault(s.Component) + 1;
            return s with { Id = n == 1 ? s.Component : $"{s.Component}-{n}" };
        }).ToList();
        return definition with { Steps = steps };
    }

    /// <summary>Every problem of the definition; empty when it can run.</summary>
    public IReadOnlyList<string> Validate(PipelineDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var problems = new List<string>();
        if (!NamePattern().IsMatch(definition.Name ?? ""))
        {
            problems.Add($"name: '{definition.Name}' is not a pipeline name: use 1-64 letters, digits, '-' or '_', starting with a letter or digit");
        }

        else if (definition.Name is "catalog" or "suggest")
        {
            problems.Add($"name: '{definition.Name}' is reserved by the API; choose another name");
        }

        if (definition.QueueCapacity is < 1 or > 1024)
        {
            problems.Add($"queue_capacity: must be between 1 and 1024 frames, not {definition.QueueCapacity}");
        }

        if (definition.StallTimeoutSeconds is < 0.1 or > 3600 || double.IsNaN(definition.StallTimeoutSeconds))
        {
            problems.Add($"stall_timeout_seconds: must be between 0.1 and 3600, not {Show(definition.StallTimeoutSeconds)}");
        }

        if (definition.ReconnectMaxSeconds is < 0.1 or > 3600 || double.IsNaN(definition.ReconnectMaxSeconds))
        {
            problems.Add($"reconnect_max_seconds: must be between 0.1 and 3600, not {Show(definition.ReconnectMaxSeconds)}");
        }

        if (definition.Steps.Count == 0)
        {
            problems.Add("steps: a pipeline needs a source, then any processors, then at least one sink ('vf pipeline catalog' lists them)");
            return problems;
        }

        var normalized = Normalize(definition);
        var duplicates = normalized.Steps.GroupBy(s => s.Id, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key);
        problems.AddRange(duplicates.Select(d => $"steps: the step id '{d}' is used more than once"));

        var carried = FrameContent.None;
        var phase = ComponentKind.Source;
        for (var i = 0; i < normalized.Steps.Count; i++)
        {
            var step = normalized.Steps[i];
            var where = $"step {i + 1} '{step.Id}'";
            if (!catalog.TryGet(step.Component, out var component))
            {
                problems.Add($"{where}: there is no component '{step.Component}' (components: {string.Join(", ", catalog.All.Select(c => c.Id))})");
                continue;
            }

            where = $"{where} ({component.Id})";
            if (i == 0 && component.Kind != ComponentKind.Source)
            {
                problems.Add($"{where}: the first step must be a source ({string.Join(", ", catalog.All.Where(c => c.Kind == ComponentKind.Source).Select(c => c.Id))})");
            }
            else if (i > 0 && component.Kind == ComponentKind.Source)
            {
                problems.Add($"{where}: a pipeline has one source, and it comes first");
            }
            else if (component.Kind == ComponentKind.Processor && phase == ComponentKind.Sink)
            {
                problems.Add($"{where}: processors come before the sinks; move it above the first sink");
            }

            if (component.Kind != ComponentKind.Source || i == 0)
            {
                var missing = component.Requires & ~carried;
                if (i > 0 && missing != FrameContent.None)
                {
                    problems.Add($"{where}: needs {Describe(missing)}, which no earlier step produces: add {Producer(missing)} before it");
                }
            }

            foreach (var problem in component.Validate(step.Settings ?? EmptySettings))
            {
                problems.Add($"{where}: {problem}");
            }

            carried |= component.Produces;
            phase = component.Kind == ComponentKind.Source ? ComponentKind.Processor : component.Kind;
        }

        if (phase != ComponentKind.Sink)
        {
            problems.Add("steps: the last step must be a sink (results_store, webhook, file or alert), or the results go nowhere");
        }

        return problems;
    }

    /// <summary>Validates and returns the normalized definition, or throws one problem listing every error.</summary>
    public PipelineDefinition ValidateOrThrow(PipelineDefinition definition)
    {
        var problems = Validate(definition);
        return problems.Count == 0
            ? Normalize(definition)
            : throw ProblemException.Invalid($"the pipeline definition has {problems.Count} problem{(problems.Count == 1 ? "" : "s")}: {string.Join("; ", problems)}");
    }

    private static readonly JsonElement EmptySettings = JsonDocument.Parse("{}").RootElement.Clone();

    private static string Describe(FrameContent content) => content switch
    {
        FrameContent.Faces => "face boxes",
        FrameContent.Labels => "labels",
        FrameContent.Image => "an image",
        _ => content.ToString().ToLowerInvariant(),
    };

    private static string Producer(FrameContent content) =>
        content.HasFlag(FrameContent.Labels) ? "a classify step" : content.HasFlag(FrameContent.Faces) ? "a face_detection step" : "a source";

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex NamePattern();
}
