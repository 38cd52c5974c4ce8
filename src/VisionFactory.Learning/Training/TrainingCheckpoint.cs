using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp.Modules;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Training;

/// <summary>What a checkpoint was written for; a run continues only from a checkpoint of the same identity.</summary>
public sealed record CheckpointIdentity(
    string Architecture,
    TrainingMode Mode,
    IReadOnlyList<string> Classes,
    int ImageSize,
    OptimizerKind Optimizer,
    int BatchSize,
    int Epochs,
    int TrainImages)
{
    /// <summary>How <paramref name="other"/> differs from this, one phrase per difference; empty when it fits.</summary>
    public IReadOnlyList<string> Differences(CheckpointIdentity other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var differences = new List<string>();
        void Compare<T>(string what, T mine, T theirs)
        {
            if (!EqualityComparer<T>.Default.Equals(mine, theirs))
            {
                differences.Add($"{what} {mine}, not {theirs}");
            }
        }

        Compare("architecture", Architecture, other.Architecture);
        Compare("mode", Mode, other.Mode);
        Compare("classes", string.Join(", ", Classes), string.Join(", ", other.Classes));
        Compare("image size", ImageSize, other.ImageSize);
        Compare("optimizer", Optimizer, other.Optimizer);
        Compare("batch size", BatchSize, other.BatchSize);
        Compare("epochs", Epochs, other.Epochs);
        Compare("training images", TrainImages, other.TrainImages);
        return differences;
    }
}

/// <summary>
/// The state of a run between two steps, as one stream: a zip archive of
/// <list type="bullet">
/// <item><c>checkpoint.json</c>: format name and version, the identity (architecture, mode, classes, image size, optimizer,
/// batch size, epochs, training images), the position (epoch, steps of it done, global step), the running sums of the
/// partial epoch, early-stopping state, whether early stopping ended the run, and the history of finished epochs;</item>
/// <item><c>weights.bin</c>: the trainable module (the whole network in finetune mode, the linear head in head mode) in
/// TorchSharp's state-dict format (<c>Module.save</c>);</item>
/// <item><c>optimizer.bin</c>: the optimizer's state (<c>OptimizerHelper.save_state_dict</c>);</item>
/// <item><c>best-weights.bin</c>: with early stopping, the trainable module at the best epoch so far.</item>
/// </list>
/// </summary>
public sealed class TrainingCheckpoint
{
    /// <summary>The format written; readers refuse newer versions.</summary>
    public const int FormatVersion = 1;

    private const string FormatName = "visionfactory-training-checkpoint";
    private const string ManifestEntry = "checkpoint.json";
    private const string WeightsEntry = "weights.bin";
    private const string OptimizerEntry = "optimizer.bin";
    private const string BestWeightsEntry = "best-weights.bin";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private readonly byte[] weights;
    private readonly byte[] optimizerState;

    private TrainingCheckpoint(int version, CheckpointIdentity identity, TrainingState state, byte[] weights, byte[] optimizerState)
    {
        Version = version;
        Identity = identity;
        State = state;
        this.weights = weights;
        this.optimizerState = optimizerState;
    }

    public int Version { get; }

    public CheckpointIdentity Identity { get; }

    /// <summary>The epoch to continue (1-based); one past the last epoch when every epoch has run.</summary>
    public int Epoch => State.Epoch;

    /// <summary>Steps of <see cref="Epoch"/> already done (0 at an epoch's start).</summary>
    public int Step => State.Step;

    /// <summary>Steps done in the whole run.</summary>
    public long GlobalStep => State.GlobalStep;

    /// <summary>Early stopping ended the run.</summary>
    public bool Stopped => State.Stopped;

    /// <summary>The finished epochs.</summary>
    public IReadOnlyList<EpochMetrics> History => State.History;

    internal TrainingState State { get; }

    /// <summary>Reads a checkpoint; a damaged one or one of a newer format fails with a <see cref="ProblemException"/>.</summary>
    public static TrainingCheckpoint Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            using var zip = new ZipArchive(Seekable(stream), ZipArchiveMode.Read);
            var manifest = JsonSerializer.Deserialize<Manifest>(Entry(zip, ManifestEntry), Json)
                ?? throw new InvalidDataException($"{ManifestEntry} is empty");
            if (manifest.Format != FormatName)
            {
                throw new InvalidDataException($"not a training checkpoint ('{manifest.Format}')");
            }

            if (manifest.Version > FormatVersion)
            {
                throw ProblemException.Damaged(
                    $"the run's checkpoint has format version {manifest.Version}, newer than this installation reads ({FormatVersion}): " +
                    "continue the run with a newer version or start it afresh");
            }

            var state = new TrainingState
            {
                Epoch = manifest.Epoch,
                Step = manifest.Step,
                GlobalStep = manifest.GlobalStep,
                Partial = new EpochSums(manifest.PartialLossSum, manifest.PartialCorrect, manifest.PartialSeen, manifest.PartialSeconds),
                BestValidationLoss = manifest.BestValidationLoss,
                BestEpoch = manifest.BestEpoch,
                EpochsWithoutImprovement = manifest.EpochsWithoutImprovement,
                BestWeights = zip.GetEntry(BestWeightsEntry) is null ? null : Entry(zip, BestWeightsEntry),
                Stopped = manifest.Stopped,
                History = [.. manifest.History],
            };
            return new TrainingCheckpoint(manifest.Version, manifest.Identity, state, Entry(zip, WeightsEntry), Entry(zip, OptimizerEntry));
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or EndOfStreamException)
        {
            throw ProblemException.Damaged($"the run's checkpoint cannot be read ({e.Message}): start the run afresh", e);
        }
    }

    /// <summary>Loads the checkpoint's trainable weights into <paramref name="module"/> (of the same structure).</summary>
    public void LoadWeights(nn.Module module) => Load(module, weights);

    internal static void Write(Stream destination, CheckpointIdentity identity, TrainingState state, nn.Module trainable, OptimizerHelper optimizer)
    {
        using var zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
        var manifest = new Manifest
        {
            Format = FormatName,
            Version = FormatVersion,
            Identity = identity,
            Epoch = state.Epoch,
            Step = state.Step,
            GlobalStep = state.GlobalStep,
            PartialLossSum = state.Partial.LossSum,
            PartialCorrect = state.Partial.Correct,
            PartialSeen = state.Partial.Seen,
            PartialSeconds = state.Partial.Seconds,
            BestValidationLoss = state.BestValidationLoss,
            BestEpoch = state.BestEpoch,
            EpochsWithoutImprovement = state.EpochsWithoutImprovement,
            Stopped = state.Stopped,
            History = [.. state.History],
        };
        WriteEntry(zip, ManifestEntry, s => JsonSerializer.Serialize(s, manifest, Json));
        WriteEntry(zip, WeightsEntry, s =>
        {
            using var writer = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true);
            trainable.save(writer);
        });
        WriteEntry(zip, OptimizerEntry, s =>
        {
            using var writer = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true);
            optimizer.save_state_dict(writer);
        });
        if (state.BestWeights is { } best)
        {
            WriteEntry(zip, BestWeightsEntry, s => s.Write(best));
        }
    }

    /// <summary>The weights of <paramref name="module"/> in the format of the weights entries.</summary>
    internal static byte[] Serialize(nn.Module module)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            module.save(writer);
        }

        return buffer.ToArray();
    }

    /// <summary>Loads weights written by <see cref="Serialize"/> into <paramref name="module"/>, in place.</summary>
    internal static void Load(nn.Module module, byte[] serialized)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var reader = new BinaryReader(new MemoryStream(serialized, writable: false));
        try
        {
            module.load(reader, strict: true);
        }
        catch (ArgumentException e)
        {
            throw ProblemException.Damaged($"the run's checkpoint holds weights that do not fit the network ({e.Message}): start the run afresh", e);
        }
    }

    /// <summary>Fails with an actionable message when the checkpoint was written for another run.</summary>
    internal void EnsureFits(CheckpointIdentity expected)
    {
        if (Identity.Differences(expected) is { Count: > 0 } differences)
        {
            throw ProblemException.Invalid(
                $"the run's checkpoint was written for another setup ({string.Join("; ", differences)}): " +
                "a checkpoint continues only the run that wrote it; start the run afresh or train with the settings it was written for");
        }
    }

    /// <summary>Loads the checkpoint's optimizer state; call outside any dispose scope, as the state outlives it.</summary>
    internal void LoadOptimizer(OptimizerHelper optimizer)
    {
        using var reader = new BinaryReader(new MemoryStream(optimizerState, writable: false));
        try
        {
            optimizer.load_state_dict(reader);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or EndOfStreamException)
        {
            throw ProblemException.Damaged($"the run's checkpoint holds optimizer state that does not fit ({e.Message}): start the run afresh", e);
        }
    }

    private static Stream Seekable(Stream stream)
    {
        if (stream.CanSeek)
        {
            return stream;
        }

        var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.Position = 0;
        return copy;
    }

    private static byte[] Entry(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidDataException($"the archive has no {name}");
        using var source = entry.Open();
        using var buffer = new MemoryStream();
        source.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static void WriteEntry(ZipArchive zip, string name, Action<Stream> write)
    {
        // Weights barely compress; storing them keeps checkpoints cheap on two cores.
        var level = name == ManifestEntry ? CompressionLevel.Optimal : CompressionLevel.NoCompression;
        using var stream = zip.CreateEntry(name, level).Open();
        write(stream);
    }

    private sealed record Manifest
    {
        public required string Format { get; init; }

        public required int Version { get; init; }

        public required CheckpointIdentity Identity { get; init; }

        public required int Epoch { get; init; }

        public required int Step { get; init; }

        public required long GlobalStep { get; init; }

        public required double PartialLossSum { get; init; }

        public required long PartialCorrect { get; init; }

        public required int PartialSeen { get; init; }

        public required double PartialSeconds { get; init; }

        public required double BestValidationLoss { get; init; }

        public required int BestEpoch { get; init; }

        public required int EpochsWithoutImprovement { get; init; }

        public required bool Stopped { get; init; }

        public required IReadOnlyList<EpochMetrics> History { get; init; }
    }
}
