using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using VisionFactory.Domain;
using VisionFactory.Pipelines.Assistant;
using VisionFactory.Pipelines.Catalog;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Server.Hosting;
using VisionFactory.Storage.Blobs;

namespace VisionFactory.Server.Pipelines;

/// <summary>
/// <c>/api/pipelines</c>: the component catalog, saved (versioned) pipelines, starting and stopping them, their live
/// metrics, stored results with previews, alerts, and the model-selection assistant.
/// </summary>
public static class PipelinesApi
{
    private const int MaxDefinitionBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapPipelinesApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("/api/pipelines").WithTags("Pipelines");

        api.MapGet("/catalog", (ComponentCatalog catalog) => TypedResults.Ok(catalog.All.Select(ComponentInfo.From).ToList()))
            .WithName("ListPipelineComponents")
            .WithSummary("The component catalog: every source, processor and sink with its kind, inputs, outputs and settings schema.");

        api.MapGet("", ListPipelines)
            .WithName("ListPipelines")
            .WithSummary("Saved pipelines (newest version of each), whether they are running, and why one that ran before the host restarted could not be resumed.");

        api.MapPost("", SavePipeline)
            .WithName("SavePipeline")
            .WithSummary("Validates a pipeline definition (JSON, or YAML with Content-Type application/yaml) and saves it as the next version of its name; 'warnings' says what would make Start refuse it here (e.g. a folder outside Pipelines:FolderRoots) and how to allow it.")
            .Accepts<PipelineDefinition>("application/json", "application/yaml")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithUploadLimit(MaxDefinitionBytes, null, multipart: false)
            // Scripts and the CLI post definitions with an API key; the UI saves through the service, not this route.
            .DisableAntiforgery();

        api.MapPost("/suggest", Suggest)
            .WithName("SuggestModel")
            .WithSummary("The model-selection assistant: ranks a dataset's models by test accuracy and latency measured here, and fills a classify step with the fastest that meets both targets.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{name}", GetPipeline)
            .WithName("GetPipeline")
            .WithSummary("A pipeline's newest version (or ?version=n) with its definition.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/{name}/start", Start)
            .WithName("StartPipeline")
            .WithSummary("Starts the newest version (or ?version=n); 409 when it already runs.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("/{name}/stop", Stop)
            .WithName("StopPipeline")
            .WithSummary("Stops a running pipeline; 409 when it is not running.")
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("/{name}/restart", Restart)
            .WithName("RestartPipeline")
            .WithSummary("Stops the pipeline if it runs and starts its newest version.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{name}/metrics", Metrics)
            .WithName("GetPipelineMetrics")
            .WithSummary("Live per-step figures: fps, latency p50 / p95, queue, drops, errors, reconnects, stalls; and the event feed.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{name}/results", Results)
            .WithName("ListPipelineResults")
            .WithSummary("Stored results, newest first (?limit=50, ?before=id for the next page, ?after=id for newer ones).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{name}/results/{id}/thumbnail", Thumbnail)
            .WithName("GetPipelineResultThumbnail")
            .WithSummary("The JPEG preview of a stored result.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{name}/alerts", Alerts)
            .WithName("ListPipelineAlerts")
            .WithSummary("Alerts raised by the pipeline's alert rules, newest first.");

        api.MapGet("/{name}/label-counts", LabelCounts)
            .WithName("GetPipelineLabelCounts")
            .WithSummary("Frames per top label per minute over the newest results (?recent=2000).");
        return app;
    }

    private static async Task<Ok<List<PipelineInfo>>> ListPipelines(
        PipelineService pipelines, PipelineHost host, PipelineStartChecks checks, CancellationToken cancellationToken)
    {
        var all = await pipelines.ListAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<PipelineInfo>(all.Count);
        foreach (var p in all)
        {
            var running = host.IsRunning(p.Name);
            list.Add(PipelineInfo.From(p, await pipelines.VersionsAsync(p.Name, cancellationToken).ConfigureAwait(false), running,
                running ? null : await host.ResumeErrorAsync(p.Name, cancellationToken).ConfigureAwait(false), checks));
        }

        return TypedResults.Ok(list);
    }

    private static async Task<Created<PipelineInfo>> SavePipeline(
        HttpRequest request, PipelineService pipelines, PipelineHost host, PipelineStartChecks checks, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxDefinitionBytes)
        {
            throw new BadHttpRequestException($"a pipeline definition is at most {MaxDefinitionBytes / 1024} KiB (this route's limit)", StatusCodes.Status413PayloadTooLarge);
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        if (text.Length > MaxDefinitionBytes)
        {
            throw new BadHttpRequestException($"a pipeline definition is at most {MaxDefinitionBytes / 1024} KiB (this route's limit)", StatusCodes.Status413PayloadTooLarge);
        }

        var yaml = request.ContentType?.Contains("yaml", StringComparison.OrdinalIgnoreCase) == true;
        var definition = yaml ? PipelineDefinitionReader.ReadYaml(text) : PipelineDefinitionReader.ReadJson(text);
        var saved = await pipelines.SaveAsync(definition, cancellationToken).ConfigureAwait(false);
        var info = PipelineInfo.From(saved, await pipelines.VersionsAsync(saved.Name, cancellationToken).ConfigureAwait(false), host.IsRunning(saved.Name), null, checks);
        return TypedResults.Created($"/api/pipelines/{saved.Name}?version={saved.Number}", info);
    }

    private static async Task<Ok<PipelineInfo>> GetPipeline(
        string name, PipelineService pipelines, PipelineHost host, PipelineStartChecks checks, CancellationToken cancellationToken, int? version = null)
    {
        var found = await pipelines.GetAsync(name, version, cancellationToken).ConfigureAwait(false);
        var running = host.IsRunning(name);
        return TypedResults.Ok(PipelineInfo.From(found, await pipelines.VersionsAsync(name, cancellationToken).ConfigureAwait(false), running,
            running ? null : await host.ResumeErrorAsync(name, cancellationToken).ConfigureAwait(false), checks));
    }

    private static async Task<Ok<PipelineStatus>> Start(
        string name, PipelineService pipelines, CancellationToken cancellationToken, int? version = null)
    {
        var started = await pipelines.StartAsync(name, version, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new PipelineStatus(name, true, started));
    }

    private static async Task<Ok<PipelineStatus>> Stop(string name, PipelineService pipelines) =>
        TypedResults.Ok(new PipelineStatus(name, false, await pipelines.StopAsync(name).ConfigureAwait(false)));

    private static async Task<Ok<PipelineStatus>> Restart(string name, PipelineService pipelines, CancellationToken cancellationToken) =>
        TypedResults.Ok(new PipelineStatus(name, true, await pipelines.RestartAsync(name, cancellationToken).ConfigureAwait(false)));

    private static async Task<Ok<PipelineStatus>> Metrics(string name, PipelineService pipelines, PipelineHost host, CancellationToken cancellationToken)
    {
        var metrics = host.Metrics(name);
        if (metrics is null)
        {
            // Known but stopped is a state, not an error; unknown is a 404.
            await pipelines.GetAsync(name, null, cancellationToken).ConfigureAwait(false);
        }

        return TypedResults.Ok(new PipelineStatus(name, metrics is not null, metrics));
    }

    private static async Task<Ok<PipelineResultsPage>> Results(
        string name, PipelineService pipelines, CancellationToken cancellationToken, long? before = null, long? after = null, int limit = 50)
    {
        await pipelines.GetAsync(name, null, cancellationToken).ConfigureAwait(false);
        var page = await pipelines.ResultsAsync(name, before, after, limit, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new PipelineResultsPage(name, page.Select(PipelineResultInfo.From).ToList(), page.Count == limit ? page[^1].Id : null));
    }

    private static async Task<PhysicalFileHttpResult> Thumbnail(string name, string id, PipelineService pipelines, BlobStore blobs, CancellationToken cancellationToken)
    {
        if (!long.TryParse(id, out var resultId))
        {
            throw ProblemException.NotFound($"pipeline '{name}' has no result '{id}'");
        }

        var result = await pipelines.ResultAsync(name, resultId, cancellationToken).ConfigureAwait(false);
        if (result.ThumbnailSha256 is not { } sha || !blobs.Exists(sha))
        {
            throw ProblemException.NotFound($"result {resultId} of pipeline '{name}' has no preview (its results_store step keeps none)");
        }

        return TypedResults.PhysicalFile(blobs.PathOf(sha), "image/jpeg", entityTag: new EntityTagHeaderValue($"\"{sha}\""));
    }

    private static async Task<Ok<List<Domain.Pipelines.PipelineAlert>>> Alerts(string name, PipelineService pipelines, CancellationToken cancellationToken, int limit = 100) =>
        TypedResults.Ok(await pipelines.AlertsAsync(name, limit, cancellationToken).ConfigureAwait(false));

    private static async Task<Ok<List<LabelCount>>> LabelCounts(string name, PipelineService pipelines, CancellationToken cancellationToken, int recent = 2000) =>
        TypedResults.Ok(await pipelines.LabelCountsAsync(name, recent, cancellationToken).ConfigureAwait(false));

    private static async Task<Ok<ModelSuggestion>> Suggest(SuggestRequest request, ModelAdvisor advisor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return TypedResults.Ok(await advisor.SuggestAsync(request.Dataset ?? "", request.MinAccuracy, request.MaxLatencyMs, cancellationToken).ConfigureAwait(false));
    }
}
