using System.Text.Json;
using VisionFactory.Domain;
using VisionFactory.Pipelines.Catalog;
using VisionFactory.Pipelines.Definitions;

namespace VisionFactory.Pipelines.Tests;

public sealed class CatalogTests
{
    private static readonly ComponentCatalog Catalog = ComponentCatalog.Default;

    [Fact]
    public void CatalogHasEverySourceProcessorAndSinkWithAValidSchema()
    {
        var ids = Catalog.All.Select(c => c.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(["mjpeg_camera", "http_snapshot", "folder_watch", "video"], Catalog.All.Where(c => c.Kind == ComponentKind.Source).Select(c => c.Id));
        Assert.Equal(["resize", "crop", "face_detection", "classify", "filter", "sample"], Catalog.All.Where(c => c.Kind == ComponentKind.Processor).Select(c => c.Id));
        Assert.Equal(["results_store", "webhook", "file", "alert"], Catalog.All.Where(c => c.Kind == ComponentKind.Sink).Select(c => c.Id));
        foreach (var component in Catalog.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(component.Description));
            Assert.Equal("object", (string?)component.SettingsSchema["type"]);
            var required = component.SettingsSchema["required"]?.AsArray().Count ?? 0;

            // An empty settings object is valid exactly when the schema requires nothing.
            Assert.Equal(required == 0, component.Validate(JsonDocument.Parse("{}").RootElement).Count == 0);
        }
    }

    [Fact]
    public void ValidationNamesTheStepAndTheSettingOfEveryProblem()
    {
        var definition = PipelineDefinitionReader.ReadJson("""
            {
              "name": "door",
              "steps": [
                { "component": "mjpeg_camera", "settings": { "url": "ftp://camera" } },
                { "id": "faces", "component": "face_detection", "settings": { "score_threshold": 2, "colour": "red" } },
                { "component": "filter", "settings": { "labels": ["without_mask"] } },
                { "component": "results_store" },
                { "component": "resize" }
              ]
            }
            """);
        var problems = new PipelineValidator(Catalog).Validate(definition);

        Assert.Contains("step 1 'mjpeg_camera' (mjpeg_camera): Stream URL (setting 'url') must start with http:// or https://, not \"ftp://camera\"", problems);
        Assert.Contains(problems, p => p.StartsWith("step 2 'faces' (face_detection): ", StringComparison.Ordinal) && p.Contains("(setting 'score_threshold') must be at most 1, not 2", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("step 2 'faces' (face_detection): 'colour' is not a setting of this component", StringComparison.Ordinal));
        Assert.Contains("step 3 'filter' (filter): needs labels, which no earlier step produces: add a classify step before it", problems);
        Assert.Contains(problems, p => p.StartsWith("step 5 'resize' (resize): processors come before the sinks", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("steps: the last step must be a sink", StringComparison.Ordinal));
        var thrown = Assert.Throws<ProblemException>(() => new PipelineValidator(Catalog).ValidateOrThrow(definition));
        Assert.Equal(ProblemKind.Invalid, thrown.Kind);
    }

    [Fact]
    public void AMissingModelIsAskedForInWordsThatNameTheStepAndTheSetting()
    {
        var definition = PipelineDefinitionReader.ReadJson("""
            {
              "name": "door",
              "steps": [
                { "component": "mjpeg_camera", "settings": { "url": "http://camera.local/video.mjpg" } },
                { "component": "classify", "settings": { "per_face": true } },
                { "component": "results_store", "settings": { "keep_last": "many" } }
              ]
            }
            """);

        var problems = new PipelineValidator(Catalog).Validate(definition);

        Assert.Equal(2, problems.Count);
        Assert.StartsWith("step 2 'classify' (classify): needs a model (setting 'model'): choose one", problems[0], StringComparison.Ordinal);
        Assert.Equal("step 3 'results_store' (results_store): Results kept (newest) (setting 'keep_last') must be a whole number, not \"many\"", problems[1]);
        Assert.All(problems, p => Assert.DoesNotContain("Required properties", p, StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownComponentsAndFieldsAreNamed()
    {
        var problems = new PipelineValidator(Catalog).Validate(PipelineDefinitionReader.ReadJson("""
            { "name": "x y", "steps": [ { "component": "teleport" }, { "component": "results_store" } ] }
            """));
        Assert.Contains(problems, p => p.StartsWith("name: 'x y' is not a pipeline name", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("step 1 'teleport': there is no component 'teleport'", StringComparison.Ordinal));

        var unknownField = Assert.Throws<ProblemException>(() => PipelineDefinitionReader.ReadJson("""{ "name": "a", "stepz": [] }"""));
        Assert.Contains("stepz is not a field of a pipeline definition", unknownField.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void YamlAndJsonDefinitionsOfTheSamePipelineReadTheSame()
    {
        var json = PipelineDefinitionReader.ReadJson("""
            {
              "name": "door",
              "queue_capacity": 8,
              "steps": [
                { "component": "mjpeg_camera", "settings": { "url": "http://camera.local/video" } },
                { "component": "resize", "settings": { "width": 320, "height": 240, "keep_aspect": false } },
                { "component": "classify", "settings": { "model": "m-0123abcd" } },
                { "component": "alert", "settings": { "label": "without_mask", "min_confidence": 0.8, "consecutive_frames": 3 } },
                { "component": "file", "settings": { "file_name": "001.csv", "format": "csv" } }
              ]
            }
            """);
        var yaml = PipelineDefinitionReader.ReadYaml("""
            name: door
            queue_capacity: 8
            steps:
              - component: mjpeg_camera
                settings: { url: "http://camera.local/video" }
              - component: resize
                settings: { width: 320, height: 240, keep_aspect: false }
              - component: classify
                settings: { model: m-0123abcd }
              - component: alert
                settings: { label: without_mask, min_confidence: 0.8, consecutive_frames: 3 }
              - component: file
                settings: { file_name: "001.csv", format: csv }
            """);

        Assert.Empty(new PipelineValidator(Catalog).Validate(yaml));
        Assert.Equal(PipelineDefinitionReader.ToJson(json), PipelineDefinitionReader.ToJson(yaml));
        var bad = Assert.Throws<ProblemException>(() => PipelineDefinitionReader.ReadYaml("name: [unclosed"));
        Assert.Contains("(line 2, column 1)", bad.Message, StringComparison.Ordinal);
    }
}
