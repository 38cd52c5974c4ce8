using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Models;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Inference;
using VisionFactory.Pipelines.Hosting;

namespace VisionFactory.Pipelines.Serving;

/// <summary>The prediction queue is full: the caller should retry later (HTTP 429).</summary>
public sealed class PredictionQueueFullException(int capacity, double rate)
    : Exception(rate > 0
        ? $"the prediction queue is full ({capacity} requests in flight, {rate:0} images/s measured): retry in a moment"
        : $"the prediction queue is full ({capacity} requests in flight): retry in a moment")
{
    /// <summary>The requests in flight that filled the queue.</summary>
    public int Capacity { get; } = capacity;
}

/// <summary>
/// Serves single-image predictions in batches: requests wait in a bounded queue, and one worker takes every waiting
/// request of a model (up to the batch size) into one forward pass. Under load this turns many small requests into
/// few large batches; when the queue is full a request is refused at once instead of waiting without bound. The queue's
/// size follows the measured service rate: what the rate clears within the latency budget
/// (<see cref="PipelineOptions.PredictLatencyBudgetMs"/>), so an admitted request is served in about its idle time plus
/// that budget however many clients call. The networks of recently used models stay loaded, so switching the served model under load fails nobody.
/// </summary>
public sealed partial class PredictionBatcher : IDisposable
{
    private const int LoadedModels = 2;
    private readonly Channel<Request> queue;
    private readonly IServiceProvider services;
    private readonly ImageLimits limits;
    private readonly ILogger<PredictionBatcher> logger;
    private readonly TimeProvider time;
    private readonly int maxBatch;
    private readonly int capacity;
    private readonly TimeSpan window;
    private readonly double budgetSeconds;
    private readonly CancellationTokenSource stopping = new();
    private readonly LinkedList<(string Id, ModelVersion Model, IClassifierEngine Engine)> loaded = new();
    private readonly Lazy<Task> worker;
    private long batches;
    private long predictions;
    private long rejected;
    private int largestBatch;
    private int inFlight;

    // Images per second while a batch is served, a moving average over recent batches (0 until the first is measured).
    private double serviceRate;

    public PredictionBatcher(IServiceProvider services, ImageLimits limits, PipelineOptions options, ILogger<PredictionBatcher> logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.services = services;
        this.limits = limits;
        this.logger = logger;
        this.time = time;
        maxBatch = options.PredictMaxBatch;
        capacity = options.PredictQueueCapacity;
        window = TimeSpan.FromMilliseconds(options.PredictBatchWindowMs);
        budgetSeconds = options.PredictLatencyBudgetMs / 1000.0;
        queue = Channel.CreateBounded<Request>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        // The worker runs on the thread pool, not on a thread of its own: a thread started before libtorch initialised its
        // OpenMP runtime ran every forward pass 10 to 100 times slower here (measured: 0.05-2.4 s instead of 15-20 ms).
        worker = new Lazy<Task>(() => Task.Run(WorkAsync));
    }

    public PredictionStats Stats => new(
        Interlocked.Read(ref batches), Interlocked.Read(ref predictions), Interlocked.Read(ref rejected), largestBatch, queue.Reader.Count, capacity,
        Volatile.Read(ref inFlight), AdmissionLimit, Volatile.Read(ref serviceRate));

    /// <summary>
    /// Requests admitted at most at once: what the measured rate serves within the latency budget (at least one, at most a
    /// batch plus the queue's capacity); until a batch has been measured, a batch plus the capacity. A whole batch is not
    /// admitted by right: on a slow model or a busy machine a batch of 16 alone takes seconds, and the rate says so.
    /// </summary>
    public int AdmissionLimit
    {
        get
        {
            var rate = Volatile.Read(ref serviceRate);
            return rate <= 0
                ? maxBatch + capacity
                : (int)Math.Clamp(Math.Floor(rate * budgetSeconds), 1, maxBatch + capacity);
        }
    }

    /// <summary>True when a request arriving now would be refused: the caller can answer 429 before reading its image.</summary>
    public bool Saturated => Volatile.Read(ref inFlight) >= AdmissionLimit;

    /// <summary>
    /// How long a refusal is held before it is sent: about the time the requests admitted need to be served (at least
    /// 50 ms, at most the one second of its Retry-After; a quarter of a second before the rate is measured). A client
    /// that retries at once then cannot turn a full queue into a loop of refusals that takes the cores from the requests
    /// admitted (measured: their p95 rose to 12.7 times the idle p95 under 160 such clients); one that honours
    /// Retry-After waits no longer than it would anyway. Holding costs no thread: the wait is a timer.
    /// </summary>
    public TimeSpan RefusalPause
    {
        get
        {
            var rate = Volatile.Read(ref serviceRate);
            var seconds = rate <= 0 ? 0.25 : Volatile.Read(ref inFlight) / rate;
            return TimeSpan.FromSeconds(Math.Clamp(seconds, MinRefusalPause.TotalSeconds, 1.0));
        }
    }

    /// <summary>The shortest <see cref="RefusalPause"/>.</summary>
    public static TimeSpan MinRefusalPause { get; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The refusal a saturated queue gives, once <see cref="RefusalPause"/> has passed.</summary>
    public async Task<PredictionQueueFullException> RefuseAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref rejected);
        var refusal = new PredictionQueueFullException(AdmissionLimit, Volatile.Read(ref serviceRate));
        await HoldRefusalAsync(cancellationToken).ConfigureAwait(false);
        return refusal;
    }

    /// <summary>Waits <see cref="RefusalPause"/>: what every refusal waits before it is sent.</summary>
    public Task HoldRefusalAsync(CancellationToken cancellationToken) => Task.Delay(RefusalPause, time, cancellationToken);

    /// <summary>Queues one image; throws <see cref="PredictionQueueFullException"/> at once when the queue is full.</summary>
    public Task<Prediction> PredictAsync(string modelId, string name, byte[] image, CancellationToken cancellationToken)
    {
        _ = worker.Value;
        var limit = AdmissionLimit;
        if (Interlocked.Increment(ref inFlight) > limit)
        {
            Interlocked.Decrement(ref inFlight);
            Interlocked.Increment(ref rejected);
            throw new PredictionQueueFullException(limit, Volatile.Read(ref serviceRate));
        }

        var request = new Request(modelId, name, image, new TaskCompletionSource<Prediction>(TaskCreationOptions.RunContinuationsAsynchronously), cancellationToken);
        if (!queue.Writer.TryWrite(request))
        {
            Interlocked.Decrement(ref inFlight);
            Interlocked.Increment(ref rejected);
            throw new PredictionQueueFullException(capacity, Volatile.Read(ref serviceRate));
        }

        return AwaitAsync(request.Result.Task, cancellationToken);
    }

    private async Task<Prediction> AwaitAsync(Task<Prediction> result, CancellationToken cancellationToken)
    {
        try
        {
            return await result.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
        }
    }

    private async Task WorkAsync()
    {
        var reader = queue.Reader;
        var token = stopping.Token;
        var pending = new List<Request>(maxBatch * 2);
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                // A short window lets concurrent requests join the first one's batch.
                var opened = System.Diagnostics.Stopwatch.GetTimestamp();
                while (pending.Count < maxBatch * 4)
                {
                    if (reader.TryRead(out var request))
                    {
                        pending.Add(request);
                        continue;
                    }

                    var left = window - System.Diagnostics.Stopwatch.GetElapsedTime(opened);
                    if (pending.Count >= maxBatch || left <= TimeSpan.Zero)
                    {
                        break;
                    }

                    await Task.Delay(left < TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1), token).ConfigureAwait(false);
                }

                foreach (var group in pending.Where(r => !r.Cancellation.IsCancellationRequested).GroupBy(r => r.ModelId, StringComparer.Ordinal))
                {
                    foreach (var chunk in group.Chunk(maxBatch))
                    {
                        Run(group.Key, chunk);
                    }
                }

                foreach (var cancelled in pending.Where(r => r.Cancellation.IsCancellationRequested))
                {
                    cancelled.Result.TrySetCanceled(cancelled.Cancellation);
                }

                pending.Clear();
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    private void Run(string modelId, Request[] batch)
    {
        try
        {
            var (model, engine) = Engine(modelId);
            var served = System.Diagnostics.Stopwatch.GetTimestamp();
            var decoded = new List<(Request Request, byte[] Rgb)>(batch.Length);
            foreach (var request in batch)
            {
                try
                {
                    decoded.Add((request, ImageDecoder.DecodeSquare(request.Image, engine.ImageSize, limits, engine.Fit).Rgb));
                }
                catch (ImageRejectedException e)
                {
                    request.Result.TrySetException(ProblemException.Invalid($"'{request.Name}' cannot be classified: {e.Message}"));
                }
            }

            if (decoded.Count == 0)
            {
                return;
            }

            var probabilities = engine.Probabilities(decoded.Select(d => d.Rgb).ToList(), decoded.Count, CancellationToken.None);
            Interlocked.Increment(ref batches);
            Interlocked.Add(ref predictions, decoded.Count);
            largestBatch = Math.Max(largestBatch, decoded.Count);
            Measure(decoded.Count, System.Diagnostics.Stopwatch.GetElapsedTime(served));
            for (var i = 0; i < decoded.Count; i++)
            {
                decoded[i].Request.Result.TrySetResult(Prediction.From(decoded[i].Request.Name, model.Classes, probabilities[i]));
            }
        }
        catch (Exception e) when (e is ProblemException or InvalidOperationException or IOException)
        {
            foreach (var request in batch)
            {
                request.Result.TrySetException(e);
            }
        }
#pragma warning disable CA1031 // The one worker serves every request: a batch that fails unexpectedly fails its own requests, not the worker.
        catch (Exception e)
#pragma warning restore CA1031
        {
            // Before, such a failure (a native error in the forward pass, a model whose classes disagree with its
            // network) ended the worker: every later request waited until its client gave up, and the queue then
            // refused everything (the soak bench saw predictions stop after ten minutes).
            LogBatchFailed(logger, modelId, batch.Length, e);
            foreach (var request in batch)
            {
                request.Result.TrySetException(e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A prediction batch of {Count} for model {ModelId} failed; its requests get the error and the queue goes on")]
    private static partial void LogBatchFailed(ILogger logger, string modelId, int count, Exception exception);

    // Decoding and the forward pass of one batch, as images per second; the average moves by a fifth each batch.
    private void Measure(int images, TimeSpan took)
    {
        var sample = images / Math.Max(took.TotalSeconds, 1e-4);
        var previous = Volatile.Read(ref serviceRate);
        Volatile.Write(ref serviceRate, previous <= 0 ? sample : previous + 0.2 * (sample - previous));
    }

    private (ModelVersion Model, IClassifierEngine Engine) Engine(string modelId)
    {
        for (var node = loaded.First; node is not null; node = node.Next)
        {
            if (node.Value.Id == modelId)
            {
                loaded.Remove(node);
                loaded.AddFirst(node);
                return (node.Value.Model, node.Value.Engine);
            }
        }

        var (model, engine) = ModelNetworks.OpenAsync(services, modelId, CancellationToken.None).GetAwaiter().GetResult();
        loaded.AddFirst((modelId, model, engine));
        while (loaded.Count > LoadedModels)
        {
            loaded.Last!.Value.Engine.Dispose();
            loaded.RemoveLast();
        }

        return (model, engine);
    }

    public void Dispose()
    {
        stopping.Cancel();
        queue.Writer.TryComplete();
        if (worker.IsValueCreated)
        {
            worker.Value.Wait(TimeSpan.FromSeconds(10));
        }

        foreach (var entry in loaded)
        {
            entry.Engine.Dispose();
        }

        stopping.Dispose();
    }

    private sealed record Request(string ModelId, string Name, byte[] Image, TaskCompletionSource<Prediction> Result, CancellationToken Cancellation);
}

/// <summary>How the prediction queue has been doing.</summary>
public sealed record PredictionStats(
    long Batches, long Predictions, long Rejected, int LargestBatch, int Waiting, int Capacity, int InFlight, int AdmissionLimit, double ServiceRate);
