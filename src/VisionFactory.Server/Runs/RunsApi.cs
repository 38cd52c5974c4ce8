using Microsoft.AspNetCore.Http.HttpResults;
using VisionFactory.Domain;
using VisionFactory.Domain.Runs;
using VisionFactory.Factory.Runs;

namespace VisionFactory.Server.Runs;

/// <summary>
/// <c>/api/runs</c> and <c>/api/sweeps</c>: queue runs and sweeps, follow them, cancel and resume them. Runs are
/// trained by the workers (this process unless it runs as <c>--role web</c>); the runs table is the source of truth.
/// </summary>
public static class RunsApi
{
    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/runs").WithTags("Runs");
        runs.MapPost("", StartRun)
            .WithName("StartRun")
            .WithSummary("Queues a training run on a dataset's newest version; poll the returned Location or watch /hubs/runs.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapGet("", ListRuns)
            .WithName("ListRuns")
            .WithSummary("Lists runs, newest first; filter by state or sweep, page with skip and take.");
        runs.MapGet("/{id}", GetRun)
            .WithName("GetRun")
            .WithSummary("Shows a run's state, progress, lease and checkpoint, and its model or reason once it has ended.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapGet("/{id}/metrics", GetMetrics)
            .WithName("GetRunMetrics")
            .WithSummary("The run's metric points (per step, throttled, and per epoch) after the given id, oldest first.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapPost("/{id}/cancel", CancelRun)
            .WithName("CancelRun")
            .WithSummary("Cancels a queued run at once, or a running one within seconds; it keeps its last checkpoint.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        runs.MapPost("/{id}/resume", ResumeRun)
            .WithName("ResumeRun")
            .WithSummary("Queues a cancelled, failed or interrupted run again; it continues from its last checkpoint.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        var sweeps = app.MapGroup("/api/sweeps").WithTags("Runs");
        sweeps.MapPost("", StartSweep)
            .WithName("StartSweep")
            .WithSummary("Queues one run per combination of the listed values (grid) or a random sample of them.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        sweeps.MapGet("/{id}", GetSweep)
            .WithName("GetSweep")
            .WithSummary("A sweep's runs and its leaderboard, best held-out accuracy first.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Accepted<RunStatus>> StartRun(TrainingRequest? request, RunService runs, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            throw ProblemException.Invalid("the request body is empty: send JSON such as {\"dataset\": \"pets\", \"mode\": \"head\", \"epochs\": 20}");
        }

        var run = await runs.EnqueueAsync(request, cancellationToken).ConfigureAwait(false);
        return TypedResults.Accepted($"/api/runs/{run.Id}", RunStatus.Of(run));
    }

    private static async Task<Ok<List<RunStatus>>> ListRuns(
        RunService runs, CancellationToken cancellationToken, string? state = null, string? sweep = null, int skip = 0, int take = 100) =>
        TypedResults.Ok((await runs.ListAsync(Parse<RunState>(state, "state"), sweep, skip, take, cancellationToken).ConfigureAwait(false))
            .Select(RunStatus.Of).ToList());

    private static async Task<Ok<RunStatus>> GetRun(string id, RunService runs, CancellationToken cancellationToken) =>
        TypedResults.Ok(RunStatus.Of(await runs.GetAsync(id, cancellationToken).ConfigureAwait(false)));

    private static async Task<Ok<List<MetricPoint>>> GetMetrics(
        string id, RunService runs, CancellationToken cancellationToken, string? kind = null, long after = 0)
    {
        var parsed = Parse<MetricKind>(kind, "kind");
        await runs.GetAsync(id, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(await runs.MetricsAsync(id, parsed, after, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>A query filter by its snake_case name, e.g. <c>?state=running</c>.</summary>
    private static T? Parse<T>(string? value, string name)
        where T : struct, Enum
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return Enum.GetValues<T>().FirstOrDefault(v => string.Equals(v.ToString(), value.Replace("_", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase)) is var found
            && string.Equals(found.ToString(), value.Replace("_", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase)
            ? found
            : throw ProblemException.Invalid(
                $"'{value}' is not a valid {name}; use one of: {string.Join(", ", Enum.GetNames<T>().Select(n => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(n)))}");
    }

    private static async Task<Ok<RunStatus>> CancelRun(string id, RunService runs, CancellationToken cancellationToken) =>
        TypedResults.Ok(RunStatus.Of(await runs.CancelAsync(id, cancellationToken).ConfigureAwait(false)));

    private static async Task<Ok<RunStatus>> ResumeRun(string id, RunService runs, CancellationToken cancellationToken) =>
        TypedResults.Ok(RunStatus.Of(await runs.ResumeAsync(id, cancellationToken).ConfigureAwait(false)));

    private static async Task<Created<SweepStatus>> StartSweep(SweepRequest? request, SweepService sweeps, CancellationToken cancellationToken)
    {
        var report = await sweeps.StartAsync(request ?? new SweepRequest(Dataset: null), cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/sweeps/{report.Sweep.Id}", SweepStatus.Of(report));
    }

    private static async Task<Ok<SweepStatus>> GetSweep(string id, SweepService sweeps, CancellationToken cancellationToken) =>
        TypedResults.Ok(SweepStatus.Of(await sweeps.GetAsync(id, cancellationToken).ConfigureAwait(false)));
}

/// <summary>A sweep as the API shows it.</summary>
/// <param name="Id">The sweep's id, e.g. <c>s-1a2b3c4d</c>.</param>
/// <param name="Dataset">The dataset its runs train on.</param>
/// <param name="Finished">Whether every run has ended.</param>
/// <param name="Runs">Its runs, in the order they were made.</param>
/// <param name="Leaderboard">Its runs ranked by held-out test accuracy, then loss.</param>
public sealed record SweepStatus(string Id, string Dataset, bool Finished, List<RunStatus> Runs, IReadOnlyList<LeaderboardEntry> Leaderboard)
{
    public static SweepStatus Of(SweepReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new SweepStatus(report.Sweep.Id, report.Sweep.DatasetName, report.Finished, report.Runs.Select(RunStatus.Of).ToList(), report.Leaderboard);
    }
}
