namespace VisionFactory.Factory.Zoo;

/// <summary>
/// Lets one zoo listing at a time profile architectures in this process, so that concurrent first visits (two tabs, a
/// page and the API) count every architecture once; the others wait and read what it stored.
/// </summary>
public sealed class ZooProfilingGate : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Waits for the gate; dispose the result to let the next listing in.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Exit(gate);
    }

    public void Dispose() => gate.Dispose();

    private sealed class Exit(SemaphoreSlim gate) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
