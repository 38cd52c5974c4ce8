using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Pipelines.Runtime;

/// <summary>A built step: its id, component, the instance and its live counters.</summary>
public sealed record RunnerStep<T>(string Id, string Component, T Instance, StepMetrics Metrics);

/// <summary>How the runtime treats streams: queue sizes, stall detection and reconnection back-off.</summary>
public sealed record RunnerSettings(int QueueCapacity, TimeSpan StallTimeout, TimeSpan ReconnectInitial, TimeSpan ReconnectMax, int ThumbnailSide);

/// <summary>
/// Runs one pipeline: the source, each processor and each sink on its own task, connected by bounded channels. A full
/// channel drops its oldest frame (counted as a drop of the step behind it), so a camera that outpaces the model never
/// builds a backlog and memory stays bounded. Every sink has its own queue, so a slow sink only loses its own results.
/// A live source that stops delivering for the stall timeout is reconnected; failures reconnect with doubling back-off
/// up to a cap. A source that is not live (a folder) loses nothing instead: its queues wait for room (backpressure).
/// </summary>
public sealed partial class PipelineRunner : IAsyncDisposable
{
    private readonly string pipeline;
    private readonly int version;
    private readonly RunnerStep<IFrameSource> source;
    private readonly IReadOnlyList<RunnerStep<IFrameProcessor>> processors;
    private readonly IReadOnlyList<RunnerStep<IResultSink>> sinks;
    private readonly RunnerSettings settings;
    private readonly ImageLimits limits;
    private readonly TimeProvider clock;
    private readonly ILogger logger;
    private readonly StepMetrics endToEnd = new("end_to_end", "pipeline", "pipeline");
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> tasks = [];
    private Channel<Frame>[] frameQueues = [];
    private Channel<FrameResult>[] resultQueues = [];
    private long sequence;
    private bool lossless;
    private int started;

    public PipelineRunner(
        string pipeline,
        int version,
        RunnerStep<IFrameSource> source,
        IReadOnlyList<RunnerStep<IFrameProcessor>> processors,
        IReadOnlyList<RunnerStep<IResultSink>> sinks,
        RunnerSettings settings,
        PipelineEvents events,
        ImageLimits limits,
        TimeProvider clock,
        ILogger logger)
    {
        this.pipeline = pipeline;
        this.version = version;
        this.source = source;
        this.processors = processors;
        this.sinks = sinks;
        this.settings = settings;
        this.limits = limits;
        this.clock = clock;
        this.logger = logger;
        Events = events;
    }

    public PipelineEvents Events { get; }

    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>running, stopping, stopped or failed (a step crashed; see the events).</summary>
    public string State { get; private set; } = "created";

    /// <summary>Frames that reached the sinks.</summary>
    public long Frames => endToEnd.FramesOut;

    public void Start()
    {
        if (Interlocked.Exchange(ref started, 1) == 1)
        {
            throw new InvalidOperationException("a pipeline runner starts once; build a new one to restart");
        }

        lossless = !source.Instance.IsLive;
        frameQueues = processors.Select(p => CreateQueue<Frame>(p.Metrics, f => f.Dispose())).ToArray();
        resultQueues = sinks.Select(s => CreateQueue<FrameResult>(s.Metrics, null)).ToArray();
        StartedAt = clock.GetUtcNow();
        State = "running";
        var token = stopping.Token;
        tasks.Add(Task.Run(() => RunSourceAsync(token), CancellationToken.None));
        for (var i = 0; i < processors.Count; i++)
        {
            var index = i;
            tasks.Add(Task.Factory.StartNew(() => RunProcessor(index, token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        }

        for (var i = 0; i < sinks.Count; i++)
        {
            var index = i;
            tasks.Add(Task.Run(() => RunSinkAsync(index, token), CancellationToken.None));
        }

        Events.Record("pipeline", PipelineEventKind.Info, $"started version {version}");
    }

    public PipelineMetrics Metrics()
    {
        var e2e = endToEnd.Snapshot();
        var steps = new List<StepMetricsSnapshot> { source.Metrics.Snapshot() };
        steps.AddRange(processors.Select(p => p.Metrics.Snapshot()));
        steps.AddRange(sinks.Select(s => s.Metrics.Snapshot()));
        return new PipelineMetrics(pipeline, version, State, StartedAt, e2e.FramesOut, e2e.LatencyP50Ms, e2e.LatencyP95Ms, steps, Events.Snapshot());
    }

    /// <summary>Stops every step, lets queued results drain briefly, and releases the components.</summary>
    public async Task StopAsync()
    {
        if (State is "stopped")
        {
            return;
        }

        State = "stopping";
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogSlowStop(logger, pipeline);
        }

        foreach (var queue in frameQueues)
        {
            while (queue.Reader.TryRead(out var frame))
            {
                frame.Dispose();
            }
        }

        await source.Instance.DisposeAsync().ConfigureAwait(false);
        foreach (var p in processors)
        {
            p.Instance.Dispose();
        }

        foreach (var s in sinks)
        {
            await s.Instance.DisposeAsync().ConfigureAwait(false);
        }

        State = "stopped";
        Events.Record("pipeline", PipelineEventKind.Info, "stopped");
    }

    public async ValueTask DisposeAsync()
    {
        if (started == 1)
        {
            await StopAsync().ConfigureAwait(false);
        }

        stopping.Dispose();
    }

    private Channel<T> CreateQueue<T>(StepMetrics metrics, Action<T>? release)
    {
        metrics.QueueCapacity = settings.QueueCapacity;
        var options = new BoundedChannelOptions(settings.QueueCapacity)
        {
            FullMode = lossless ? BoundedChannelFullMode.Wait : BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
        };
        var channel = Channel.CreateBounded<T>(options, dropped =>
        {
            metrics.CountDrop();
            release?.Invoke(dropped);
        });
        metrics.QueueLength = () => channel.Reader.Count;
        return channel;
    }

    private async Task RunSourceAsync(CancellationToken token)
    {
        var metrics = source.Metrics;
        var backoff = settings.ReconnectInitial;
        var attempt = 0;
        while (!token.IsCancellationRequested)
        {
            metrics.State = attempt == 0 ? "connecting" : "reconnecting";
            var delivered = false;
            using var connection = CancellationTokenSource.CreateLinkedTokenSource(token);
            try
            {
                await using var frames = source.Instance.ConnectAsync(connection.Token).GetAsyncEnumerator(connection.Token);
                while (true)
                {
                    var next = frames.MoveNextAsync().AsTask();
                    if (source.Instance.IsLive && !next.IsCompleted)
                    {
                        var stall = Task.Delay(settings.StallTimeout, clock, token);
                        if (await Task.WhenAny(next, stall).ConfigureAwait(false) == stall && !token.IsCancellationRequested)
                        {
                            metrics.CountStall();
                            Events.Record(source.Id, PipelineEventKind.Stall,
                                $"no frame for {settings.StallTimeout.TotalSeconds:0.#} s: the stream stalled; reconnecting");
                            await connection.CancelAsync().ConfigureAwait(false);
                            await Ignore(next).ConfigureAwait(false);
                            break;
                        }
                    }

                    if (!await next.ConfigureAwait(false))
                    {
                        if (!token.IsCancellationRequested)
                        {
                            Events.Record(source.Id, PipelineEventKind.Warning, "the stream ended; reconnecting");
                        }

                        break;
                    }

                    if (!delivered)
                    {
                        delivered = true;
                        metrics.State = "streaming";
                        backoff = settings.ReconnectInitial;
                        if (attempt > 0)
                        {
                            Events.Record(source.Id, PipelineEventKind.Reconnect, $"reconnected after {attempt} attempt{(attempt == 1 ? "" : "s")}");
                            attempt = 0;
                        }
                    }

                    Publish(frames.Current);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                metrics.CountError(e.Message);
                if (attempt == 0)
                {
                    Events.Record(source.Id, PipelineEventKind.Error, $"the stream failed: {e.Message}; reconnecting with back-off");
                }
            }

            if (token.IsCancellationRequested)
            {
                break;
            }

            attempt++;
            metrics.CountReconnect();
            metrics.State = "waiting to reconnect";
            try
            {
                await Task.Delay(backoff, clock, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(settings.ReconnectMax.Ticks, backoff.Ticks * 2));
        }

        metrics.State = "stopped";
        foreach (var queue in frameQueues.Take(1))
        {
            queue.Writer.TryComplete();
        }

        if (processors.Count == 0)
        {
            CompleteSinks();
        }
    }

    private void Publish(byte[] encoded)
    {
        var metrics = source.Metrics;
        var begin = Stopwatch.GetTimestamp();
        metrics.CountIn();
        Frame frame;
        try
        {
            frame = new Frame(Interlocked.Increment(ref sequence), clock.GetUtcNow(), FrameDecoder.Decode(encoded, limits), begin);
        }
        catch (ImageRejectedException e)
        {
            metrics.CountError(e.Message);
            metrics.Record(Stopwatch.GetTimestamp() - begin, passed: false);
            return;
        }

        metrics.Record(Stopwatch.GetTimestamp() - begin, passed: true);
        Forward(frame, 0);
    }

    private void Forward(Frame frame, int nextProcessor)
    {
        if (nextProcessor < processors.Count)
        {
            // Drop-oldest never blocks: a full queue releases its oldest frame through the drop callback. A lossless
            // pipeline waits for room instead.
            if (!lossless)
            {
                frameQueues[nextProcessor].Writer.TryWrite(frame);
                return;
            }

            try
            {
                frameQueues[nextProcessor].Writer.WriteAsync(frame, stopping.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
            {
                frame.Dispose();
            }

            return;
        }

        using (frame)
        {
            var thumbnail = sinks.Any(s => s.Instance.WantsThumbnail) ? FrameDecoder.Thumbnail(frame.Image, settings.ThumbnailSide) : null;
            var result = new FrameResult(pipeline, version, frame.Sequence, frame.CapturedAt, frame.Image.Width, frame.Image.Height,
                [.. frame.Faces], [.. frame.Labels], thumbnail);
            foreach (var queue in resultQueues)
            {
                if (!lossless)
                {
                    queue.Writer.TryWrite(result);
                    continue;
                }

                try
                {
                    queue.Writer.WriteAsync(result, stopping.Token).AsTask().GetAwaiter().GetResult();
                }
                catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
                {
                    // Stopping.
                }
            }

            endToEnd.Record(Stopwatch.GetTimestamp() - frame.StartedTicks, passed: true);
        }
    }

    private void RunProcessor(int index, CancellationToken token)
    {
        var step = processors[index];
        var reader = frameQueues[index].Reader;
        step.Metrics.State = "running";
        try
        {
            while (reader.WaitToReadAsync(token).AsTask().GetAwaiter().GetResult())
            {
                while (reader.TryRead(out var frame))
                {
                    step.Metrics.CountIn();
                    var begin = Stopwatch.GetTimestamp();
                    bool keep;
                    try
                    {
                        keep = step.Instance.Process(frame, token);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        step.Metrics.CountError(e.Message);
                        if (step.Metrics.Errors == 1)
                        {
                            Events.Record(step.Id, PipelineEventKind.Error, $"a frame failed: {e.Message}");
                        }

                        keep = false;
                    }

                    step.Metrics.Record(Stopwatch.GetTimestamp() - begin, keep);
                    if (keep)
                    {
                        Forward(frame, index + 1);
                    }
                    else
                    {
                        frame.Dispose();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        step.Metrics.State = "stopped";
        if (index + 1 < frameQueues.Length)
        {
            frameQueues[index + 1].Writer.TryComplete();
        }
        else
        {
            CompleteSinks();
        }
    }

    private void CompleteSinks()
    {
        foreach (var queue in resultQueues)
        {
            queue.Writer.TryComplete();
        }
    }

    private async Task RunSinkAsync(int index, CancellationToken token)
    {
        var step = sinks[index];
        var reader = resultQueues[index].Reader;
        step.Metrics.State = "running";
        try
        {
            await foreach (var result in reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                step.Metrics.CountIn();
                var begin = Stopwatch.GetTimestamp();
                var ok = true;
                try
                {
                    await step.Instance.WriteAsync(result, token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    ok = false;
                    step.Metrics.CountError(e.Message);
                    if (step.Metrics.Errors == 1)
                    {
                        Events.Record(step.Id, PipelineEventKind.Error, $"a result could not be written: {e.Message}");
                    }
                }

                step.Metrics.Record(Stopwatch.GetTimestamp() - begin, ok);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        step.Metrics.State = "stopped";
    }

    private static async Task Ignore(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException or ObjectDisposedException)
        {
            // The connection was cancelled because it stalled.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pipeline {Pipeline} did not stop within 15 s")]
    private static partial void LogSlowStop(ILogger logger, string pipeline);
}
