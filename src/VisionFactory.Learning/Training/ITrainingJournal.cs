using VisionFactory.Domain.Models;

namespace VisionFactory.Learning.Training;

/// <summary>
/// Where a run keeps its checkpoints, supplied by whoever runs the training (the factory). The trainer decides what a
/// checkpoint holds and writes it into the stream it is given (the <see cref="TrainingCheckpoint"/> format); the journal
/// decides where it lives and stores it durably (temporary file, flushed, renamed), together with the epoch's metrics
/// in one step.
/// </summary>
/// <remarks>
/// Every write may throw when the run is no longer this worker's to write (its lease was lost): the trainer lets that
/// exception through and writes nothing more. The trainer calls the journal on its own thread, one call at a time.
/// </remarks>
public interface ITrainingJournal
{
    /// <summary>
    /// Opens the newest checkpoint of the run (the last one written by either method below), to continue from; null
    /// starts from the beginning. The trainer reads it to the end and disposes it. A checkpoint written for another
    /// architecture, mode, class list or other setup is refused with a <c>ProblemException</c>.
    /// </summary>
    Stream? OpenLatestCheckpoint();

    /// <summary>
    /// An epoch has ended and been validated: store its metrics and the checkpoint that <paramref name="writeCheckpoint"/>
    /// writes (the state at the start of the next epoch) as one durable step. Called once per epoch, in order, never
    /// twice for the same epoch across interruptions and resumptions.
    /// </summary>
    void CompleteEpoch(EpochMetrics metrics, Action<Stream> writeCheckpoint);

    /// <summary>
    /// The run is stopping part-way through an epoch (cancelled, or the process is shutting down): store a checkpoint of
    /// the exact position so that a resumed run continues from this step. <paramref name="epoch"/> is 1-based;
    /// <paramref name="stepInEpoch"/> counts the steps of that epoch already done (the index of the next one; it equals the
    /// epoch's step count when only validation was left).
    /// </summary>
    void SaveInterruption(int epoch, int stepInEpoch, Action<Stream> writeCheckpoint);
}
