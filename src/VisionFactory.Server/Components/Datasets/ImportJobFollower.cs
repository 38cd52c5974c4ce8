using VisionFactory.Datasets.Jobs;

namespace VisionFactory.Server.Components.Datasets;

/// <summary>Follows an import job for a page: each progress change is passed on, and the final status is awaited.</summary>
public static class ImportJobFollower
{
    public static async Task<ImportJobStatus> FollowAsync(ImportJobs jobs, ImportJobStatus started, Action<ImportJobStatus> changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(started);
        ArgumentNullException.ThrowIfNull(changed);
        var finished = new TaskCompletionSource<ImportJobStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(ImportJobStatus status)
        {
            if (status.Id != started.Id)
            {
                return;
            }

            if (status.Finished)
            {
                finished.TrySetResult(status);
            }
            else
            {
                changed(status);
            }
        }

        jobs.Changed += OnChanged;
        try
        {
            // The job may have ended before the handler was attached.
            if (await jobs.GetAsync(started.Id, cancellationToken).ConfigureAwait(false) is { Finished: true } already)
            {
                return already;
            }

            return await finished.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            jobs.Changed -= OnChanged;
        }
    }
}
