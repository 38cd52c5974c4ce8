using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Domain;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Pipelines.Sources;

namespace VisionFactory.Pipelines.Definitions;

/// <summary>
/// What would make this host refuse to start a valid definition, known before anyone presses Start: a folder or
/// video file outside the folders an administrator allowed (<c>Pipelines:FolderRoots</c>). Saving is not refused,
/// since the setting belongs to the administrator and may change, and <c>vf pipeline run</c> reads any folder; the
/// builder, the API and the CLI show these warnings when a pipeline is saved or validated, in the words Start uses.
/// </summary>
public sealed class PipelineStartChecks(PipelineOptions options)
{
    /// <summary>One warning per step that Start would refuse, naming the step, the setting and how to allow it; empty when none.</summary>
    public IReadOnlyList<string> Warnings(PipelineDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var warnings = new List<string>();
        var steps = PipelineValidator.Normalize(definition).Steps;
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            if (CameraProblem(step) is { } cameraProblem)
            {
                warnings.Add($"step {i + 1} '{step.Id}' ({step.Component}): Start will be refused: {cameraProblem}");
            }

            var (setting, path) = step.Component switch
            {
                "folder_watch" => ("path", Text(step, "path")),
                "video" when Text(step, "input") is { } input && !input.Contains("://", StringComparison.Ordinal) => ("input", input),
                _ => ("", null),
            };
            if (string.IsNullOrWhiteSpace(path))
            {
                continue;
            }

            try
            {
                FolderAccess.Check(path, options.FolderRoots, setting);
            }
            catch (ProblemException e)
            {
                warnings.Add($"step {i + 1} '{step.Id}' ({step.Component}): Start will be refused: {e.Message}");
            }
        }

        return warnings;
    }

    // A camera at a literal internal address (or localhost) that the administrator did not allow; names that resolve
    // inward are refused when Start resolves them and when the connection is made.
    private string? CameraProblem(StepDefinition step)
    {
        var (setting, url) = step.Component switch
        {
            "mjpeg_camera" or "http_snapshot" => ("url", Text(step, "url")),
            "video" when Text(step, "input") is { } input && input.Contains("://", StringComparison.Ordinal) => ("input", input),
            _ => ("", null),
        };
        return options.CameraAllowedNetworks is { } allowed && url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri)
            && OutboundGuard.RefusedLiteral(uri.Host, allowed) is { } refused
            ? OutboundGuard.Refused(uri.Host, refused, setting)
            : null;
    }

    private static string? Text(StepDefinition step, string name) =>
        step.Settings is { ValueKind: System.Text.Json.JsonValueKind.Object } s && s.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String
            ? v.GetString()
            : null;
}
