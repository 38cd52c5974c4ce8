using Microsoft.AspNetCore.Http.HttpResults;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Factory.Review;

namespace VisionFactory.Server.Datasets;

/// <summary>
/// <c>/api/datasets/{name}/review</c>: start a review in the background, read its progress and report, apply a fix
/// (each fix a new version).
/// </summary>
public static class ReviewApi
{
    public static IEndpointRouteBuilder MapReviewApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/datasets/{name}/review").WithTags("Review");

        api.MapPost("", StartReview)
            .WithName("StartDatasetReview")
            .WithSummary("Starts reviewing a version (the newest unless ?version=N) in the background; answers 202 with its progress.")
            .WithDescription(
                "The review finds unreadable files, size and aspect outliers, very dark, over-exposed and blurry images, identical " +
                "and near-duplicate images, near-duplicates across splits (leakage), class imbalance and suspected wrong labels " +
                "(confident learning on cross-validated predictions). Body (optional): {\"hashes_only\": true} skips the backbone. " +
                "A review already running for the dataset is returned instead of starting another.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("", GetReview)
            .WithName("GetDatasetReview")
            .WithSummary("The review of a version (the newest unless ?version=N): state, progress and, once done, the report.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/fixes", ApplyFix)
            .WithName("ApplyDatasetReviewFix")
            .WithSummary("Applies a fix from the newest version's review as a new version: drop-exact-duplicates, keep-one-per-group, relabel or exclude.")
            .WithDescription(
                "Body: {\"fix\": \"keep-one-per-group\", \"groups\": [1, 4]} thins out the chosen near-duplicate groups (all when omitted), " +
                "{\"fix\": \"relabel\", \"images\": [sha256...]} gives suspected images their suggested label (all suspected when omitted), " +
                "{\"fix\": \"exclude\", \"images\": [sha256...]} leaves images out, {\"fix\": \"drop-exact-duplicates\"} leaves out identical " +
                "files that were filed under two classes, {\"fix\": \"regroup-split\"} moves images so no near-duplicate group straddles two splits.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return app;
    }

    private static async Task<Accepted<ReviewStatusResponse>> StartReview(
        string name, int? version, ReviewRequest? body, ReviewService reviews, Domain.Users.Caller caller, CancellationToken cancellationToken)
    {
        var request = (body ?? new ReviewRequest()) with { Version = version ?? body?.Version };
        var status = await reviews.StartAsync(name, request, caller, cancellationToken).ConfigureAwait(false);
        return TypedResults.Accepted($"/api/datasets/{Uri.EscapeDataString(name)}/review?version={status.Version}", status);
    }

    private static async Task<Ok<ReviewStatusResponse>> GetReview(string name, int? version, ReviewService reviews, CancellationToken cancellationToken) =>
        TypedResults.Ok(await reviews.GetAsync(name, version, cancellationToken).ConfigureAwait(false));

    private static async Task<Created<DatasetSummary>> ApplyFix(string name, ReviewFixRequest body, ReviewService reviews, CancellationToken cancellationToken)
    {
        var (version, summary) = await reviews.ApplyFixAsync(name, body, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/datasets/{Uri.EscapeDataString(name)}?version={version.Number}", summary);
    }
}
