using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Runs;
using VisionFactory.Learning.Training;
using VisionFactory.Storage;

namespace VisionFactory.Factory.Runs;

/// <summary>
/// A run's checkpoints and epoch metrics, written under its lease. A checkpoint goes to a temporary file that is
/// flushed to disk and renamed; only then does the run's row point at it, in the same fenced transaction that records
/// the epoch's metrics. A worker that lost its lease leaves no trace: its file is deleted and its row update refused.
/// </summary>
/// <remarks>
/// At the end of an epoch the training thread only serialises the state into memory; writing, flushing and recording
/// it happen in the background while the next epoch trains. The next checkpoint, an interruption and
/// <see cref="Flush"/> wait for it first, so checkpoints stay in order and a failure (a lost lease) is never missed.
/// </remarks>
public sealed class RunJournal(RunLeases leases, DataDirectory data, string runId, long token, string? latestCheckpoint) : ITrainingJournal
{
    private string? latest = latestCheckpoint;
    private Task pending = Task.CompletedTask;

    public Stream? OpenLatestCheckpoint() =>
        latest is null ? null : new FileStream(Path.Combine(data.Root, latest), FileMode.Open, FileAccess.Read, FileShare.Read);

    public void CompleteEpoch(EpochMetrics metrics, Action<Stream> writeCheckpoint)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(writeCheckpoint);
        Flush();
        var state = new MemoryStream();
        writeCheckpoint(state);
        pending = Task.Run(() =>
        {
            using (state)
            {
                Persist(metrics, state);
            }
        });
    }

    /// <summary>Waits until every checkpoint handed over so far is durable and recorded; rethrows what went wrong.</summary>
    public void Flush() => pending.GetAwaiter().GetResult();

    private void Persist(EpochMetrics metrics, MemoryStream state)
    {
        var path = Store($"e{metrics.Epoch:D4}-t{token}.ckpt", s => state.WriteTo(s));
        var point = new MetricPoint
        {
            RunId = runId,
            Kind = MetricKind.Epoch,
            Epoch = metrics.Epoch,
            Step = 0,
            TrainLoss = metrics.TrainLoss,
            TrainAccuracy = metrics.TrainAccuracy,
            ValidationLoss = Finite(metrics.ValidationLoss),
            ValidationAccuracy = Finite(metrics.ValidationAccuracy),
            LearningRate = metrics.LearningRate,
            ImagesPerSecond = metrics.ImagesPerSecond,
            FencingToken = token,
        };
        Commit(path, metrics.Epoch, 0, db => db.Metrics.Add(point));
    }

    public void SaveInterruption(int epoch, int stepInEpoch, Action<Stream> writeCheckpoint)
    {
        Flush();
        var path = Store($"e{epoch - 1:D4}-s{stepInEpoch:D6}-t{token}.ckpt", writeCheckpoint);
        Commit(path, epoch - 1, stepInEpoch, null);
    }

    /// <summary>Removes step points past the checkpoint: the resumed run writes those steps again.</summary>
    public void ForgetStepsAfterCheckpoint(int epoch, int step) =>
        leases.Write(runId, token, db => db.Metrics
            .Where(m => m.RunId == runId && m.Kind == MetricKind.Step && (m.Epoch > epoch + 1 || (m.Epoch == epoch + 1 && m.Step > step)))
            .ExecuteDelete());

    private string Store(string name, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var folder = Path.Combine(data.CheckpointsPath, runId);
        Directory.CreateDirectory(folder);
        var final = Path.Combine(folder, name);
        var temporary = final + ".tmp";

        // A checkpoint is about as large as the one before it: refuse up front rather than fill the disk half-way.
        var previous = latest is null ? 0 : new FileInfo(Path.Combine(data.Root, latest)) is { Exists: true } last ? last.Length : 0;
        Storage.Space.DiskSpace.EnsureFree(folder, previous, "the training checkpoint");
        try
        {
            using var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None);
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            // No partial checkpoint is left behind; the previous one stays the one to resume from.
            File.Delete(temporary);
            throw;
        }

        File.Move(temporary, final, overwrite: true);
        return Path.GetRelativePath(data.Root, final);
    }

    private void Commit(string path, int epoch, int step, Action<Storage.Database.VisionFactoryDb>? alsoWrite)
    {
        try
        {
            leases.Write(runId, token, db =>
            {
                alsoWrite?.Invoke(db);
                db.Runs.Where(r => r.Id == runId).ExecuteUpdate(s => s
                    .SetProperty(r => r.CheckpointPath, path)
                    .SetProperty(r => r.CheckpointEpoch, epoch)
                    .SetProperty(r => r.CheckpointStep, step));
            });
        }
        catch
        {
            File.Delete(Path.Combine(data.Root, path));
            throw;
        }

        if (latest is not null && latest != path)
        {
            File.Delete(Path.Combine(data.Root, latest));
        }

        latest = path;
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
