using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Pipelines.Serving;

namespace VisionFactory.Pipelines.Tests.Serving;

/// <summary>
/// A refusal of <c>POST /api/predict</c> is held for <see cref="PredictionBatcher.RefusalPause"/> before it is sent,
/// so clients that retry at once cannot spin on a full queue and take the cores from the requests admitted.
/// </summary>
public sealed class PredictionBatcherRefusalTests
{
    [Fact]
    public async Task ARefusalIsSentOnlyOnceItsPauseHasPassed()
    {
        var time = new FakeTimeProvider();
        using var services = new ServiceCollection().BuildServiceProvider();
        using var batcher = new PredictionBatcher(services, new ImageLimits(), new PipelineOptions(), NullLogger<PredictionBatcher>.Instance, time);

        // Before any batch is measured the pause is a quarter of a second.
        Assert.Equal(TimeSpan.FromMilliseconds(250), batcher.RefusalPause);
        var refusal = batcher.RefuseAsync(CancellationToken.None);
        var held = batcher.HoldRefusalAsync(CancellationToken.None);
        Assert.False(refusal.IsCompleted);
        time.Advance(batcher.RefusalPause - TimeSpan.FromMilliseconds(1));
        Assert.False(refusal.IsCompleted);
        Assert.False(held.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(1));
        var refused = await refusal.WaitAsync(TimeSpan.FromSeconds(10));
        await held.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("queue is full", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, batcher.Stats.Rejected);
    }

    [Fact]
    public async Task AHeldRefusalEndsWithItsRequest()
    {
        var time = new FakeTimeProvider();
        using var services = new ServiceCollection().BuildServiceProvider();
        using var batcher = new PredictionBatcher(services, new ImageLimits(), new PipelineOptions(), NullLogger<PredictionBatcher>.Instance, time);
        using var gone = new CancellationTokenSource();

        var refusal = batcher.RefuseAsync(gone.Token);
        await gone.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => refusal.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
