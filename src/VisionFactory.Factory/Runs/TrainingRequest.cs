using System.Text.Json.Serialization;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Runs;

namespace VisionFactory.Factory.Runs;

/// <summary>
/// A training run to queue: the dataset's name and the <see cref="TrainingSpec"/> settings, side by side. The one
/// request of every door: <c>POST /api/runs</c> binds it from JSON, <c>vf train</c> builds it from its options and the
/// Factory page from its form, and <see cref="RunService"/> checks it. An omitted setting takes the spec's default;
/// unknown JSON fields are rejected so that a typo does not silently train with a default. A new hyper-parameter is a
/// property of <see cref="TrainingSpec"/>, and so a field of this request, with no translation to write.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TrainingRequest : TrainingSpec
{
    /// <summary>The dataset to train on (its newest version). Required.</summary>
    public string? Dataset { get; init; }

    /// <summary>The dataset's name, or a 400 naming the missing field.</summary>
    public string RequiredDataset() =>
        string.IsNullOrWhiteSpace(Dataset)
            ? throw ProblemException.Invalid("'dataset' is required: the name of an imported dataset, e.g. {\"dataset\": \"pets\"}")
            : Dataset;
}

/// <summary>
/// A sweep to start: a dataset, the settings every run shares (a <see cref="TrainingRequest"/> without its dataset), and
/// the values to search over. <c>POST /api/sweeps</c>, <c>vf sweep</c> and the Factory page's sweep form all build it
/// and hand it to <see cref="SweepService"/>.
/// </summary>
/// <param name="Dataset">The dataset to train on. Required.</param>
/// <param name="Strategy"><c>grid</c> (every combination) or <c>random</c> (<c>trials</c> combinations drawn at random).</param>
/// <param name="Trials">For a random search: how many runs.</param>
/// <param name="Base">Settings every run shares, as in <c>POST /api/runs</c> (without <c>dataset</c>).</param>
/// <param name="Architectures">Architectures to try.</param>
/// <param name="LearningRates">Peak learning rates to try.</param>
/// <param name="BatchSizes">Batch sizes to try.</param>
/// <param name="Epochs">Epoch counts to try.</param>
/// <param name="Optimizers">Optimizers to try.</param>
/// <param name="WeightDecays">Weight decays to try.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SweepRequest(
    string? Dataset,
    SweepStrategy? Strategy = null,
    int? Trials = null,
    TrainingRequest? Base = null,
    IReadOnlyList<string>? Architectures = null,
    IReadOnlyList<double>? LearningRates = null,
    IReadOnlyList<int>? BatchSizes = null,
    IReadOnlyList<int>? Epochs = null,
    IReadOnlyList<OptimizerKind>? Optimizers = null,
    IReadOnlyList<double>? WeightDecays = null)
{
    /// <summary>The dataset's name, or a 400 naming the missing field.</summary>
    public string RequiredDataset() =>
        string.IsNullOrWhiteSpace(Dataset)
            ? throw ProblemException.Invalid("'dataset' is required, e.g. {\"dataset\": \"pets\", \"architectures\": [\"small-cnn\"], \"learning_rates\": [0.01, 0.1]}")
            : Dataset;

    public SweepSpec ToSpec()
    {
        var defaults = new SweepSpec();
        return new SweepSpec
        {
            Strategy = Strategy ?? defaults.Strategy,
            Trials = Trials ?? defaults.Trials,
            Base = (Base ?? new TrainingRequest()).ToSpec(),
            Architectures = Architectures ?? [],
            LearningRates = LearningRates ?? [],
            BatchSizes = BatchSizes ?? [],
            Epochs = Epochs ?? [],
            Optimizers = Optimizers ?? [],
            WeightDecays = WeightDecays ?? [],
        };
    }
}
