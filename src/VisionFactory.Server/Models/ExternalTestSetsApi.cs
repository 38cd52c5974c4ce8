using Microsoft.AspNetCore.Http.HttpResults;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Evaluation;

namespace VisionFactory.Server.Models;

/// <summary>
/// External test sets: <c>/api/datasets/{name}/external-test</c> names (PUT), shows (GET) or removes (DELETE) the dataset
/// every model of a dataset is also evaluated on; <c>POST /api/models/{id}/external-evaluation</c> evaluates a model there
/// now and stores the result with it.
/// </summary>
public static class ExternalTestSetsApi
{
    public static IEndpointRouteBuilder MapExternalTestSetsApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var datasets = app.MapGroup("/api/datasets").WithTags("Datasets");
        datasets.MapGet("/{name}/external-test", (string name, ExternalTestSets sets, CancellationToken ct) => GetAsync(name, sets, ct))
            .WithName("GetExternalTestSet")
            .WithSummary("The dataset's external test set (null when none): another dataset whose images every model of this one is also evaluated on.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        datasets.MapPut("/{name}/external-test", SetAsync)
            .WithName("SetExternalTestSet")
            .WithSummary("Names another dataset (JSON {\"dataset\": ...}) as this dataset's external test set: images from another source, classes matched by name. " +
                "New models are evaluated on all of its images when training ends; POST /api/models/{id}/external-evaluation evaluates an existing one.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        datasets.MapDelete("/{name}/external-test", ClearAsync)
            .WithName("ClearExternalTestSet")
            .WithSummary("Removes the dataset's external test set; its models' figures on it are forgotten.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapGroup("/api/models").WithTags("Compare")
            .MapPost("/{id}/external-evaluation", EvaluateAsync)
            .WithName("EvaluateOnExternalTestSet")
            .WithSummary("Evaluates the model on every image of its dataset's external test set (newest version) and stores the result with the model.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Ok<ExternalTestSetLink>> GetAsync(string name, ExternalTestSets sets, CancellationToken ct) =>
        TypedResults.Ok(await sets.GetAsync(name, ct).ConfigureAwait(false));

    private static async Task<Ok<ExternalTestSetLink>> SetAsync(string name, ExternalTestSetRequest? body, ExternalTestSets sets, CancellationToken ct) =>
        TypedResults.Ok(await sets.SetAsync(
            name,
            body?.Dataset ?? throw ProblemException.Invalid("send the external test set as JSON: {\"dataset\": \"<name>\"}"),
            ct).ConfigureAwait(false));

    private static async Task<Ok<ExternalTestSetLink>> ClearAsync(string name, ExternalTestSets sets, CancellationToken ct) =>
        TypedResults.Ok(await sets.ClearAsync(name, ct).ConfigureAwait(false));

    private static async Task<Ok<EvaluationReport>> EvaluateAsync(string id, ExternalTestSets sets, CancellationToken ct) =>
        TypedResults.Ok(await sets.EvaluateAsync(id, ct).ConfigureAwait(false));
}

/// <summary>The dataset to name as an external test set.</summary>
/// <param name="Dataset">Its name.</param>
public sealed record ExternalTestSetRequest(string? Dataset);
