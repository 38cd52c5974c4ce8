using VisionFactory.Domain.Models;

namespace VisionFactory.Domain.Runs;

/// <summary>
/// A run: a dataset version, an architecture with its initial weights and the hyper-parameters, plus the lease that
/// says which worker may write to it. Every write a worker makes is conditioned on <see cref="FencingToken"/>, which
/// grows by one each time a worker takes the lease, so a worker that lost its lease can never write again.
/// </summary>
public sealed class TrainingRun
{
    /// <summary>Maximum number of times a run may kill its worker before it is failed as poison.</summary>
    public const int MaxCrashes = 3;

    /// <summary>Short id users type, e.g. "r-5f3a9c2e".</summary>
    public required string Id { get; init; }

    /// <summary>The sweep that made it, if any.</summary>
    public string? SweepId { get; init; }

    public required string DatasetName { get; init; }

    public Guid DatasetVersionId { get; init; }

    public required TrainingSpec Spec { get; init; }

    public RunState State { get; set; }

    /// <summary>Why it failed, was cancelled or interrupted.</summary>
    public string? Reason { get; set; }

    /// <summary>The worker that holds the lease ("host:pid:nonce"); null when none does.</summary>
    public string? LeaseOwner { get; set; }

    public DateTimeOffset? LeaseExpiresAt { get; set; }

    public DateTimeOffset? HeartbeatAt { get; set; }

    public long FencingToken { get; set; }

    /// <summary>How many times a worker has taken the run.</summary>
    public int Attempts { get; set; }

    /// <summary>How many times its worker vanished while holding the lease.</summary>
    public int Crashes { get; set; }

    public bool CancelRequested { get; set; }

    /// <summary>The newest checkpoint, relative to the data directory.</summary>
    public string? CheckpointPath { get; set; }

    /// <summary>Epochs completed when the newest checkpoint was written.</summary>
    public int CheckpointEpoch { get; set; }

    /// <summary>Steps of the next epoch already done when the newest checkpoint was written (mid-epoch stops).</summary>
    public int CheckpointStep { get; set; }

    public string? ModelId { get; set; }

    /// <summary>The latest progress report.</summary>
    public RunProgress? Progress { get; set; }

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public static string NewId() => "r-" + Guid.NewGuid().ToString("N")[..8];
}

/// <summary>How far a run has come, as last reported.</summary>
/// <param name="Phase">loading_images, computing_features, training_head, training, validating or evaluating.</param>
/// <param name="Epoch">The current epoch, from 1.</param>
/// <param name="Epochs">Epochs in all.</param>
/// <param name="Done">Steps or images done in the current phase.</param>
/// <param name="Total">Steps or images in the current phase.</param>
/// <param name="Loss">The running training loss.</param>
/// <param name="Accuracy">The running training accuracy.</param>
/// <param name="LearningRate">The current learning rate.</param>
/// <param name="ImagesPerSecond">Throughput.</param>
/// <param name="EtaSeconds">Estimated seconds to the end of training, once it can be estimated.</param>
public sealed record RunProgress(
    string Phase,
    int Epoch,
    int Epochs,
    int Done,
    int Total,
    double Loss,
    double Accuracy,
    double LearningRate,
    double ImagesPerSecond,
    double? EtaSeconds);
