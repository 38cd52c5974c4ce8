using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Review;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Review;
using VisionFactory.Domain.Users;

namespace VisionFactory.Factory.Review;

/// <summary>
/// The front desk for dataset reviews, whichever door asks (the API, the Review page, <c>vf dataset review</c> and
/// <c>vf dataset fix</c>): it resolves the version, checks the request (a mistake is a <see cref="ProblemException"/>),
/// starts the review in the background (<see cref="StartAsync"/>, progress from <see cref="ReviewJobs"/>) or runs it in
/// the caller's process (<see cref="RunAsync"/>), reports its state, and applies fixes as new versions.
/// </summary>
public sealed class ReviewService(ReviewJobs jobs, DatasetReviewer reviewer, ReviewFixes fixes, DatasetCatalog catalog)
{
    /// <summary>
    /// Starts reviewing the request's version in the background (or returns the review already running for the
    /// dataset); <paramref name="caller"/> needs the editor role.
    /// </summary>
    public async Task<ReviewStatusResponse> StartAsync(string dataset, ReviewRequest request, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var resolved = await catalog.GetVersionAsync(dataset, request.Version, withItems: false, cancellationToken).ConfigureAwait(false);
        var status = jobs.Start(caller, dataset, resolved.Number, request.Options());
        var stored = await reviewer.LatestAsync(dataset, status.Version, cancellationToken).ConfigureAwait(false);
        return ReviewStatusResponse.From(status, stored);
    }

    /// <summary>The review of a version (the newest when null): the one running in this process, else the stored report.</summary>
    public async Task<ReviewStatusResponse> GetAsync(string dataset, int? version, CancellationToken cancellationToken)
    {
        var resolved = await catalog.GetVersionAsync(dataset, version, withItems: false, cancellationToken).ConfigureAwait(false);
        var job = jobs.Get(dataset) is { } j && j.Version == resolved.Number ? j : null;
        var stored = await reviewer.LatestAsync(dataset, resolved.Number, cancellationToken).ConfigureAwait(false);
        if (job is null && stored is null)
        {
            throw ProblemException.NotFound(
                $"version {resolved.Number} of '{dataset}' has not been reviewed: start a review with POST /api/datasets/{dataset}/review (or vf dataset review {dataset})");
        }

        return job is not null
            ? ReviewStatusResponse.From(job, stored)
            : new ReviewStatusResponse(dataset, resolved.Number, "succeeded", null, null, stored);
    }

    /// <summary>Reviews in this process, reporting progress, and returns the stored report (the command line).</summary>
    public Task<ReviewReport> RunAsync(string dataset, ReviewRequest request, IProgress<ReviewProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return reviewer.ReviewAsync(dataset, request.Version, request.Options(), progress, cancellationToken);
    }

    /// <summary>Applies a fix from the newest version's review; the result is a new version (the editor role is checked by the editor).</summary>
    public async Task<(DatasetVersion Version, DatasetSummary Summary)> ApplyFixAsync(string dataset, ReviewFixRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var fix = ReviewFixes.Parse(request.Fix);
        var version = await fixes.ApplyAsync(dataset, fix, request.Images, request.Groups, cancellationToken).ConfigureAwait(false);
        var summary = await catalog.SummarizeAsync(dataset, version.Number, cancellationToken).ConfigureAwait(false);
        return (version, summary);
    }
}
