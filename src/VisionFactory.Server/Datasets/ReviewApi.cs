using Microsoft.AspNetCore.Http.HttpResults;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Review;
using VisionFactory.Domain;
using VisionFactory.Domain.Review;
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
        string name, int? version, StartReviewRequest? body, DatasetCatalog catalog, ReviewJobs jobs, DatasetReviewer reviewer,
        Domain.Users.Caller caller, CancellationToken cancellationToken)
    {
        var resolved = await catalog.GetVersionAsync(name, version, withItems: false, cancellationToken).ConfigureAwait(false);
        var hashesOnly = body?.HashesOnly ?? false;
        var status = jobs.Start(caller, name, resolved.Number, new ReviewOptions(Embeddings: !hashesOnly, Labels: !hashesOnly));
        var stored = await reviewer.LatestAsync(name, status.Version, cancellationToken).ConfigureAwait(false);
        return TypedResults.Accepted(
            $"/api/datasets/{Uri.EscapeDataString(name)}/review?version={status.Version}",
            ReviewStatusResponse.From(status, stored));
    }

    private static async Task<Ok<ReviewStatusResponse>> GetReview(
        string name, int? version, DatasetCatalog catalog, ReviewJobs jobs, DatasetReviewer reviewer, CancellationToken cancellationToken)
    {
        var resolved = await catalog.GetVersionAsync(name, version, withItems: false, cancellationToken).ConfigureAwait(false);
        var job = jobs.Get(name) is { } j && j.Version == resolved.Number ? j : null;
        var stored = await reviewer.LatestAsync(name, resolved.Number, cancellationToken).ConfigureAwait(false);
        if (job is null && stored is null)
        {
            throw ProblemException.NotFound(
                $"version {resolved.Number} of '{name}' has not been reviewed: start a review with POST /api/datasets/{name}/review (or vf dataset review {name})");
        }

        return TypedResults.Ok(job is not null
            ? ReviewStatusResponse.From(job, stored)
            : new ReviewStatusResponse(name, resolved.Number, "succeeded", null, null, stored));
    }

    private static async Task<Created<DatasetSummary>> ApplyFix(
        string name, ApplyFixRequest body, ReviewFixes fixes, DatasetCatalog catalog, CancellationToken cancellationToken)
    {
        var fix = ReviewFixes.Parse(body.Fix);
        var version = await fixes.ApplyAsync(name, fix, body.Images, body.Groups, cancellationToken).ConfigureAwait(false);
        var summary = await catalog.SummarizeAsync(name, version.Number, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/datasets/{Uri.EscapeDataString(name)}?version={version.Number}", summary);
    }
}

/// <summary>Start a review.</summary>
/// <param name="HashesOnly">Skip the pretrained backbone: no embedding near-duplicates and no label check.</param>
public sealed record StartReviewRequest(bool? HashesOnly);

/// <summary>Apply a fix from the review.</summary>
/// <param name="Fix">drop-exact-duplicates, keep-one-per-group, relabel, exclude or regroup-split.</param>
/// <param name="Images">Images (sha256) to relabel or exclude.</param>
/// <param name="Groups">Near-duplicate group numbers to thin out.</param>
public sealed record ApplyFixRequest(string? Fix, List<string>? Images, List<int>? Groups);

/// <summary>A review's state and, when there is one, its report.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Version">The version reviewed.</param>
/// <param name="State">running, succeeded or failed.</param>
/// <param name="Progress">The running review's phase and progress.</param>
/// <param name="Error">Why the last review failed.</param>
/// <param name="Report">The newest finished report of this version (while a new one runs: the previous one, if any).</param>
public sealed record ReviewStatusResponse(string Dataset, int Version, string State, ReviewProgress? Progress, string? Error, ReviewReport? Report)
{
    public static ReviewStatusResponse From(ReviewJobStatus job, ReviewReport? report)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new(job.Dataset, job.Version, job.State, job.Progress, job.Error, report);
    }
}
