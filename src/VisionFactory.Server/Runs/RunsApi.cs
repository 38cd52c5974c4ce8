using Microsoft.AspNetCore.Http.HttpResults;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Domain;
using VisionFactory.Learning.Architectures;

namespace VisionFactory.Server.Runs;

/// <summary>
/// <c>/api/runs</c>: start training runs and follow them. Runs execute in the background, one at a time, in the
/// server process; the registry is in memory until a durable queue (Hangfire) comes in a later issue.
/// </summary>
public static class RunsApi
{
    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/runs").WithTags("Runs");

        api.MapPost("", StartRun)
            .WithName("StartRun")
            .WithSummary("Queues a training run on a dataset's newest version; poll the returned Location for its state.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("", ListRuns)
            .WithName("ListRuns")
            .WithSummary("Lists the runs submitted since the server started, oldest first.");

        api.MapGet("/{id}", GetRun)
            .WithName("GetRun")
            .WithSummary("Shows a run's state, progress, and its model or error once it has ended.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    private static async Task<Accepted<RunStatus>> StartRun(
        StartRunRequest? request,
        TrainingQueue queue,
        DatasetCatalog catalog,
        ArchitectureCatalog architectures,
        CancellationToken cancellationToken)
    {
        if (request is null)
        {
            throw ProblemException.Invalid("the request body is empty: send JSON such as {\"dataset\": \"pets\", \"mode\": \"head\", \"epochs\": 20}");
        }

        if (string.IsNullOrWhiteSpace(request.Dataset))
        {
            throw ProblemException.Invalid("'dataset' is required: the name of an imported dataset, e.g. {\"dataset\": \"pets\"}");
        }

        // Everything that can be checked now is, so that a mistake is a 400 / 404 here rather than a failed run later.
        var spec = request.ToSpec();
        if (spec.Validate() is { Count: > 0 } problems)
        {
            throw ProblemException.Invalid(string.Join("; ", problems));
        }

        architectures.Get(spec.Architecture);
        await catalog.GetVersionAsync(request.Dataset, null, withItems: false, cancellationToken).ConfigureAwait(false);

        // The answer describes the run as it was accepted: the worker may pick it up before the response is written.
        var run = new TrainingRun(request.Dataset, spec);
        var accepted = run.Snapshot();
        queue.Submit(run);
        return TypedResults.Accepted($"/api/runs/{run.Id}", accepted);
    }

    private static Ok<List<RunStatus>> ListRuns(TrainingQueue queue) =>
        TypedResults.Ok(queue.All().Select(r => r.Snapshot()).ToList());

    private static Ok<RunStatus> GetRun(string id, TrainingQueue queue) => TypedResults.Ok(queue.Get(id).Snapshot());
}
