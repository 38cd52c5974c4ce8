using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR;
using VisionFactory.Factory.Runs;

namespace VisionFactory.Server.Runs;

/// <summary>
/// <c>/hubs/runs</c>: live updates of a run for the UI. <c>Watch(runId)</c> streams its state, progress and new metric
/// points as they happen, and ends with the update that shows it finished.
/// </summary>
public sealed class RunsHub(RunWatcher watcher) : Hub
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public async IAsyncEnumerable<RunUpdate> Watch(string runId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var update in watcher.WatchAsync(runId, PollInterval, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }
}
