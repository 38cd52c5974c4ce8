using System.Threading.RateLimiting;

namespace VisionFactory.Factory.Runs;

/// <summary>
/// This worker's CPU threads for training: a run holds as many as it trains with, so on 2 cores one 2-thread run or
/// two 1-thread runs train at once. Waiting runs are served oldest first.
/// </summary>
public sealed class ThreadBudget(FactoryOptions options) : IDisposable
{
    private readonly ConcurrencyLimiter limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.ThreadBudget,
        QueueLimit = int.MaxValue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    public int Total => options.ThreadBudget;

    /// <summary>The threads a run with this setting trains with here: 0 asks for the whole budget.</summary>
    public int ThreadsFor(int requested) => requested <= 0 ? options.ThreadBudget : Math.Min(requested, options.ThreadBudget);

    public async Task<RateLimitLease> AcquireAsync(int threads, CancellationToken cancellationToken)
    {
        var lease = await limiter.AcquireAsync(threads, cancellationToken).ConfigureAwait(false);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            throw new InvalidOperationException($"the thread budget refused {threads} threads");
        }

        return lease;
    }

    public void Dispose() => limiter.Dispose();
}
