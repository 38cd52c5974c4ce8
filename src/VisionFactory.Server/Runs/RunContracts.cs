using VisionFactory.Domain.Models;
using VisionFactory.Domain.Runs;

namespace VisionFactory.Server.Runs;

/// <summary>A training run as the API shows it.</summary>
/// <param name="Id">The run's id, e.g. <c>r-1a2b3c4d</c>.</param>
/// <param name="Dataset">The dataset it trains on.</param>
/// <param name="Sweep">The sweep that made it, if any.</param>
/// <param name="State"><c>queued</c>, <c>running</c>, <c>succeeded</c>, <c>failed</c>, <c>cancelled</c> or <c>interrupted</c>.</param>
/// <param name="Reason">Why it failed, was cancelled or interrupted.</param>
/// <param name="Progress">The latest progress report; absent before the first one.</param>
/// <param name="Model">The id of the trained model, once the run has succeeded.</param>
/// <param name="Error">Why the run failed, once it has (the same as the reason).</param>
/// <param name="Attempts">How many times a worker has taken the run.</param>
/// <param name="Crashes">How many times its worker vanished while training it (3 fail it as poison).</param>
/// <param name="Worker">The worker holding its lease while it runs.</param>
/// <param name="FencingToken">Grows by one each time a worker takes the run; writes under an older token are refused.</param>
/// <param name="CheckpointEpoch">Epochs completed at its newest checkpoint.</param>
/// <param name="CheckpointStep">Steps of the next epoch done at its newest checkpoint (a run stopped part-way through an epoch).</param>
/// <param name="CancelRequested">Whether a cancel has been asked for.</param>
/// <param name="CreatedAt">When the run was queued.</param>
/// <param name="StartedAt">When training first began.</param>
/// <param name="FinishedAt">When the run succeeded, failed or was cancelled.</param>
/// <param name="Spec">The settings it trains with, defaults filled in.</param>
public sealed record RunStatus(
    string Id,
    string Dataset,
    string? Sweep,
    RunState State,
    string? Reason,
    RunProgress? Progress,
    string? Model,
    string? Error,
    int Attempts,
    int Crashes,
    string? Worker,
    long FencingToken,
    int CheckpointEpoch,
    int CheckpointStep,
    bool CancelRequested,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    TrainingSpec Spec)
{
    public static RunStatus Of(TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new RunStatus(
            run.Id, run.DatasetName, run.SweepId, run.State, run.Reason, run.Progress, run.ModelId,
            run.State == RunState.Failed ? run.Reason : null, run.Attempts, run.Crashes, run.LeaseOwner, run.FencingToken, run.CheckpointEpoch, run.CheckpointStep,
            run.CancelRequested, run.CreatedAt, run.StartedAt, run.FinishedAt, run.Spec);
    }
}
