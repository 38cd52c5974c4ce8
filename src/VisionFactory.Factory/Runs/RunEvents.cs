using System.Collections.Concurrent;
using System.Threading.Channels;
using VisionFactory.Domain.Runs;

namespace VisionFactory.Factory.Runs;

/// <summary>
/// Live progress of the runs trained in this process, fanned out to subscribers through bounded channels: a slow
/// subscriber loses old reports, never slows training. Across machines, watchers read the shared database instead.
/// </summary>
public sealed class RunEvents
{
    private readonly ConcurrentDictionary<Channel<(string RunId, RunProgress Progress)>, byte> subscribers = new();

    public void Publish(string runId, RunProgress progress)
    {
        foreach (var subscriber in subscribers.Keys)
        {
            subscriber.Writer.TryWrite((runId, progress));
        }
    }

    /// <summary>Reports of every local run until the token is cancelled.</summary>
    public async IAsyncEnumerable<(string RunId, RunProgress Progress)> SubscribeAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<(string, RunProgress)>(
            new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        subscribers[channel] = 0;
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            subscribers.TryRemove(channel, out _);
        }
    }
}
