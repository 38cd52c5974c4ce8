using System.Threading.Channels;
using VisionFactory.Storage.Blobs;

namespace VisionFactory.Datasets.Import;

/// <summary>
/// Makes an import's new blobs durable in the background while it goes on decoding, a few at a time, so that the wait
/// before the version commits is only for the last ones written instead of for all of them.
/// </summary>
internal sealed class BlobFlusher : IAsyncDisposable
{
    private readonly Channel<string> queue = Channel.CreateUnbounded<string>();
    private readonly BlobStore blobs;
    private readonly Task[] workers;
    private volatile bool abandoned;

    public BlobFlusher(BlobStore blobs, int parallel)
    {
        this.blobs = blobs;
        workers = Enumerable.Range(0, parallel)
            .Select(_ => Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
    }

    /// <summary>Queues a blob just written with <see cref="BlobStore.PutUnflushed"/>.</summary>
    public void Add(string sha256) => queue.Writer.TryWrite(sha256);

    /// <summary>Waits until every queued blob is on the disk; throws when one could not be flushed.</summary>
    public async Task CompleteAsync()
    {
        queue.Writer.TryComplete();
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    /// <summary>Stops without flushing what is left (the import failed; its blobs are removed).</summary>
    public async ValueTask DisposeAsync()
    {
        abandoned = true;
        queue.Writer.TryComplete();
        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The import is failing already; its own error is the one reported.
        }
    }

    // A dedicated thread per worker: a flush blocks on the disk, which must not hold up the thread pool's decoders.
    private void Run()
    {
        var reader = queue.Reader;
        while (!abandoned && reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (!abandoned && reader.TryRead(out var sha))
            {
                blobs.FlushToDisk(sha);
            }
        }
    }
}
