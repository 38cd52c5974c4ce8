using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Learning.Inference;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Serving;
using VisionFactory.Storage;
using VisionFactory.Storage.Database;

namespace VisionFactory.Pipelines.Assistant;

/// <summary>
/// One model version as the assistant weighs it. <paramref name="Accuracy"/> is the accuracy on the external test set
/// when the model was measured there (<paramref name="AccuracySource"/> names it), else on its own test split.
/// </summary>
public sealed record ModelCandidate(
    string Model,
    string Architecture,
    int ImageSize,
    DateTimeOffset CreatedAt,
    double? Accuracy,
    double? MacroF1,
    double LatencyMs,
    bool LatencyMeasuredNow,
    bool MeetsAccuracy,
    bool MeetsLatency,
    string AccuracySource = "test split",
    double? TestSplitAccuracy = null);

/// <summary>
/// The assistant's answer: every candidate ranked, the choice (if any model meets both targets) and why, and a classify
/// step filled with the choice, or with the closest model when none meets both targets.
/// </summary>
public sealed record ModelSuggestion(
    string Dataset,
    double MinAccuracy,
    double MaxLatencyMs,
    string? Choice,
    string Reason,
    IReadOnlyList<ModelCandidate> Candidates,
    StepDefinition? ClassifyStep);

/// <summary>
/// The model-selection assistant: ranks a dataset's model versions by their stored evaluation (on the external test set
/// when measured there, else on the test split) and their
/// single-image latency on this machine (measured once per model and kept in the cache), and picks the fastest model
/// that reaches the accuracy target within the latency target.
/// </summary>
public sealed class ModelAdvisor(VisionFactoryDb db, IServiceProvider services, DataDirectory data)
{
    public async Task<ModelSuggestion> SuggestAsync(string dataset, double minAccuracy, double maxLatencyMs, CancellationToken cancellationToken)
    {
        if (minAccuracy is < 0 or > 1 || double.IsNaN(minAccuracy))
        {
            throw ProblemException.Invalid($"the minimum accuracy must be between 0 and 1 (e.g. 0.95), not {minAccuracy}");
        }

        if (maxLatencyMs <= 0 || double.IsNaN(maxLatencyMs))
        {
            throw ProblemException.Invalid($"the maximum latency must be above 0 ms, not {maxLatencyMs}");
        }

        if (!await db.Datasets.AnyAsync(d => d.Name == dataset, cancellationToken).ConfigureAwait(false))
        {
            throw ProblemException.NotFound($"dataset '{dataset}' does not exist; 'vf dataset list' lists the datasets");
        }

        var models = await db.Models.AsNoTracking().Include(m => m.DatasetVersion).ThenInclude(v => v!.Dataset)
            .Where(m => m.DatasetVersion!.Dataset!.Name == dataset).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (models.Count == 0)
        {
            throw ProblemException.NotFound($"dataset '{dataset}' has no trained models yet: train one first ('vf train {dataset}')");
        }

        var candidates = new List<ModelCandidate>(models.Count);
        foreach (var model in models)
        {
            var (latency, measured) = await LatencyAsync(model, cancellationToken).ConfigureAwait(false);
            // Images from another source say more about a camera elsewhere than the own test split does.
            var accuracy = model.DecisiveAccuracy();
            var source = model.ExternalEvaluation is { } external ? $"external test set {external.Dataset}" : "test split";
            candidates.Add(new ModelCandidate(
                model.Id, model.Spec.Architecture, model.Spec.ImageSize, model.CreatedAt, accuracy, model.Evaluation?.MacroF1,
                Math.Round(latency, 2), measured, accuracy >= minAccuracy, latency <= maxLatencyMs, source, model.Evaluation?.Accuracy));
        }

        var ranked = candidates.Where(c => c.MeetsAccuracy && c.MeetsLatency).OrderBy(c => c.LatencyMs).ThenByDescending(c => c.Accuracy)
            .Concat(candidates.Where(c => !(c.MeetsAccuracy && c.MeetsLatency)).OrderByDescending(c => c.Accuracy ?? -1).ThenBy(c => c.LatencyMs))
            .ToList();
        var choice = ranked.FirstOrDefault(c => c.MeetsAccuracy && c.MeetsLatency);

        // A classify step is always filled, so that the pipeline the assistant helps build can be saved: with the choice,
        // or else with the closest model (the fastest accurate enough, else the most accurate), and the reason says so.
        var pick = choice ?? ranked.Where(c => c.MeetsAccuracy).MinBy(c => c.LatencyMs) ?? ranked[0];
        var reason = choice is not null
            ? $"{choice.Model} ({choice.Architecture}) is the fastest model at or above {minAccuracy:P1} accuracy: {choice.Accuracy:P1} (on its {choice.AccuracySource}) at {choice.LatencyMs:0.#} ms per image here"
            : $"{NoChoice(ranked, minAccuracy, maxLatencyMs)}. Until then the classify step gets the closest, {pick.Model} ({pick.Architecture})";
        var step = new StepDefinition
        {
            Id = "classify",
            Component = "classify",
            Settings = JsonSerializer.SerializeToElement(new { model = pick.Model, per_face = true }),
        };
        return new ModelSuggestion(dataset, minAccuracy, maxLatencyMs, choice?.Model, reason, ranked, step);
    }

    private static string NoChoice(List<ModelCandidate> ranked, double minAccuracy, double maxLatencyMs)
    {
        var accurate = ranked.Where(c => c.MeetsAccuracy).OrderBy(c => c.LatencyMs).FirstOrDefault();
        var best = ranked.Where(c => c.Accuracy is not null).MaxBy(c => c.Accuracy);
        return accurate is not null
            ? $"no model reaches {minAccuracy:P1} within {maxLatencyMs:0.#} ms; the fastest that reaches it is {accurate.Model} at {accurate.LatencyMs:0.#} ms: raise the latency limit or train a smaller architecture"
            : best is not null
                ? $"no model reaches {minAccuracy:P1} accuracy; the best is {best.Model} with {best.Accuracy:P1}: lower the target, or train longer or a larger architecture"
                : "no model has a stored evaluation yet: run 'vf evaluate <model>'";
    }

    /// <summary>
    /// The model's CPU latency as <see cref="CpuLatency"/> defines it: the figure its evaluation stored when measured with
    /// the same thread count (the model and Compare pages show that one), else from the cache, else measured now.
    /// </summary>
    private async Task<(double Ms, bool Measured)> LatencyAsync(ModelVersion model, CancellationToken cancellationToken)
    {
        var threads = CpuLatency.Threads;
        if (model.Evaluation is { LatencyMsPerImage: { } evaluated, LatencyThreads: { } evaluatedThreads } && evaluatedThreads == threads)
        {
            return (evaluated, false);
        }

        var cache = Path.Combine(data.CachePath, "latency", $"{model.ArtifactSha256}-steady-{threads}.txt");
        if (File.Exists(cache) && double.TryParse(await File.ReadAllTextAsync(cache, cancellationToken).ConfigureAwait(false),
                System.Globalization.CultureInfo.InvariantCulture, out var stored))
        {
            return (stored, false);
        }

        // An imported model has no TorchSharp network: it is timed on ONNX Runtime, the one engine it runs on.
        var network = model.IsImported
            ? (await ModelNetworks.OpenAsync(services, model.Id, cancellationToken).ConfigureAwait(false)).Engine
            : new TorchClassifierEngine((await ModelNetworks.LoadAsync(services, model.Id, cancellationToken).ConfigureAwait(false)).Network);
        var ms = await Task.Run(
            () =>
            {
                using (network)
                {
                    var image = new byte[network.ImageSize * network.ImageSize * 3];
                    Array.Fill(image, (byte)128);
                    List<byte[]> input = [image];
                    return CpuLatency.MedianMilliseconds(() => network.Probabilities(input, 1, cancellationToken), threads, cancellationToken: cancellationToken);
                }
            },
            cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
        await File.WriteAllTextAsync(cache, ms.ToString("R", System.Globalization.CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        return (ms, true);
    }
}
