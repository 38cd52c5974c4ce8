using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain;
using VisionFactory.Domain.Runs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Runs;

/// <summary>
/// One row of a sweep's leaderboard: a run and, once it has succeeded, its held-out test figures, and its accuracy on
/// the dataset's external test set when measured (the ranking goes by that one first).
/// </summary>
public sealed record LeaderboardEntry(
    int Rank,
    string Run,
    RunState State,
    string Architecture,
    double? LearningRate,
    int BatchSize,
    int Epochs,
    string? Model,
    double? Accuracy,
    double? Loss,
    double? MacroF1,
    double? TrainingSeconds,
    double? ExternalAccuracy = null);

/// <summary>A sweep with its runs and leaderboard.</summary>
public sealed record SweepReport(Sweep Sweep, IReadOnlyList<TrainingRun> Runs, IReadOnlyList<LeaderboardEntry> Leaderboard)
{
    public bool Finished => Runs.All(r => r.State.IsFinal());
}

/// <summary>Expands a sweep into runs (all validated before any is queued) and ranks them.</summary>
public sealed class SweepService(VisionFactoryDb db, RunService runs, IRunDispatcher queue, Domain.Users.Caller caller)
{
    /// <summary>Starts the sweep a request describes, from whichever door it came (API, CLI, Factory page).</summary>
    public Task<SweepReport> StartAsync(SweepRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        caller.Require(Domain.Users.Role.Editor, "start a sweep");
        return StartAsync(request.RequiredDataset(), request.ToSpec(), cancellationToken);
    }

    public async Task<SweepReport> StartAsync(string datasetName, SweepSpec spec, CancellationToken cancellationToken)
    {
        caller.Require(Domain.Users.Role.Editor, "start a sweep");
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Validate() is { Count: > 0 } problems)
        {
            throw ProblemException.Invalid(string.Join("; ", problems));
        }

        var sweep = new Sweep { Id = Sweep.NewId(), DatasetName = datasetName, Spec = spec };
        var prepared = new List<TrainingRun>();
        foreach (var runSpec in spec.Expand())
        {
            prepared.Add(await runs.PrepareAsync(datasetName, runSpec, sweep.Id, cancellationToken).ConfigureAwait(false));
        }

        db.Sweeps.Add(sweep);
        db.Runs.AddRange(prepared);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        foreach (var run in prepared)
        {
            queue.Enqueue(run.Id);
        }

        return await GetAsync(sweep.Id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<SweepReport> GetAsync(string id, CancellationToken cancellationToken)
    {
        var sweep = await db.Sweeps.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken).ConfigureAwait(false)
            ?? throw ProblemException.NotFound($"sweep '{id}' does not exist");
        var members = await db.Runs.AsNoTracking().Where(r => r.SweepId == id).OrderBy(r => r.CreatedAt).ThenBy(r => r.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var modelIds = members.Where(r => r.ModelId is not null).Select(r => r.ModelId!).ToList();
        var models = await db.Models.AsNoTracking().Where(m => modelIds.Contains(m.Id))
            .ToDictionaryAsync(m => m.Id, cancellationToken).ConfigureAwait(false);

        var ranked = members
            .Select(r => (Run: r, Model: r.ModelId is { } m && models.TryGetValue(m, out var model) ? model : null))
            .OrderByDescending(x => x.Model?.DecisiveAccuracy() ?? double.NegativeInfinity)
            .ThenByDescending(x => x.Model?.Evaluation?.Accuracy ?? double.NegativeInfinity)
            .ThenBy(x => x.Model?.Evaluation?.Loss ?? double.PositiveInfinity)
            .ThenBy(x => x.Run.Id, StringComparer.Ordinal)
            .Select((x, i) => new LeaderboardEntry(
                i + 1, x.Run.Id, x.Run.State, x.Run.Spec.Architecture, x.Run.Spec.ResolvedLearningRate, x.Run.Spec.BatchSize,
                x.Run.Spec.ResolvedEpochs, x.Model?.Id, x.Model?.Evaluation?.Accuracy, x.Model?.Evaluation?.Loss,
                x.Model?.Evaluation?.MacroF1, x.Model?.TrainingSeconds, x.Model?.ExternalEvaluation?.Accuracy))
            .ToList();
        return new SweepReport(sweep, members, ranked);
    }
}
