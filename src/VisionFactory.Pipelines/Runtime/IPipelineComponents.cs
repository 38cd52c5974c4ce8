namespace VisionFactory.Pipelines.Runtime;

/// <summary>
/// A source of encoded images (JPEG, PNG, ...). <see cref="ConnectAsync"/> opens one connection and yields frames until
/// the stream ends or fails; the runtime reconnects with back-off and watches for stalls.
/// </summary>
public interface IFrameSource : IAsyncDisposable
{
    /// <summary>A stream whose silence means trouble (a camera), as opposed to one that is idle by nature (a folder).</summary>
    bool IsLive { get; }

    IAsyncEnumerable<byte[]> ConnectAsync(CancellationToken cancellationToken);
}

/// <summary>A step that changes, annotates or drops frames. Called from one thread at a time.</summary>
public interface IFrameProcessor : IDisposable
{
    /// <summary>Processes the frame in place; false drops it (it goes no further).</summary>
    bool Process(Frame frame, CancellationToken cancellationToken);
}

/// <summary>Receives finished results. Called from one task at a time.</summary>
public interface IResultSink : IAsyncDisposable
{
    /// <summary>The sink keeps previews, so the runtime encodes one per frame.</summary>
    bool WantsThumbnail { get; }

    Task WriteAsync(FrameResult result, CancellationToken cancellationToken);
}
